/**
 * A process killed between two lines does nothing more: `killable` wraps a port (state store,
 * Amigo client, chat) so that once the switch is thrown every later call rejects with
 * ProcessKilled and has no effect. Tests throw the switch right after a chosen effect to see
 * what the next delivery finds and does.
 */
export class ProcessKilled extends Error {
  override readonly name = "ProcessKilled";
}

export interface KillSwitch {
  readonly killed: boolean;
  kill(): void;
}

export function killSwitch(): KillSwitch {
  let killed = false;
  return {
    get killed() {
      return killed;
    },
    kill() {
      killed = true;
    },
  };
}

function isPort(value: unknown): value is object {
  return typeof value === "object" && value !== null && !(value instanceof Promise) && !(Symbol.asyncIterator in value);
}

/**
 * Every method of `target` rejects once `kill` is thrown. `after` names methods whose call
 * throws the switch as soon as it returns (the effect happened; the process dies right after).
 */
export function killable<T extends object>(target: T, kill: KillSwitch, after: { [K in keyof T]?: (...args: unknown[]) => boolean } = {}): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (kill.killed) return Promise.reject(new ProcessKilled(`killed before ${String(property)}`));
        const result = value.apply(object, args);
        // A method that hands out another view of the port (the Amigo client's withDeadline) dies with it.
        if (isPort(result)) return killable(result, kill, after as never);
        const trigger = after[property as keyof T];
        if (trigger && trigger(...args)) {
          return Promise.resolve(result).then((resolved) => {
            kill.kill();
            return resolved;
          });
        }
        return result;
      };
    },
  });
}
