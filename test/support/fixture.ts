/**
 * A server a whole test file shares: started in beforeAll, closed in afterAll, and `reset`
 * before each test. The handle stands for the server itself (`stub.calls`, `sim.control`), so
 * a test reads as if it held it; using the handle outside a test or hook is an error that
 * says so. Closing is the fixture's business, not the tests'.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";

export function useFixture<T extends { close(): Promise<void> }>(name: string, start: () => Promise<T>, reset?: (started: T) => void): Omit<T, "close"> {
  let started: T | undefined;
  const current = (): T => {
    if (started === undefined) throw new Error(`${name} starts in beforeAll: use it inside a test or a hook`);
    return started;
  };
  beforeAll(async () => {
    started = await start();
  });
  afterAll(() => started?.close());
  if (reset) beforeEach(() => reset(current()));
  return new Proxy({} as Omit<T, "close">, {
    get(_, key) {
      if (key === "close") return undefined;
      const value: unknown = Reflect.get(current(), key);
      return typeof value === "function" ? value.bind(current()) : value;
    },
  });
}
