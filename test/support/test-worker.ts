/**
 * A command worker wired to the simulator (as Amigo, acting as its main user) and the Slack
 * stand-in, with everyone allowed, for tests of what the worker does with real parts.
 */
import { accessPolicy } from "../../functions/core/commands/access.js";
import { createCommandWorker, type CommandWorkerDeps } from "../../functions/core/commands/command-worker.js";
import { parseConfig } from "../../functions/core/config.js";
import type { StateStore } from "../../functions/core/ports.js";
import { SlackChat } from "../../functions/slack/client.js";
import { type SimulatorFixture, testClient } from "./simulator.js";
import type { SlackStub } from "./slack-stub.js";

export function testWorker(parts: { sim: SimulatorFixture; slack: Pick<SlackStub, "token" | "apiUrl">; state: StateStore }, overrides: Partial<CommandWorkerDeps> = {}) {
  const { sim, slack, state } = parts;
  return createCommandWorker({
    amigo: testClient(sim).client,
    state,
    chat: new SlackChat({ token: slack.token, apiUrl: slack.apiUrl, timeoutMs: 2000 }),
    clock: sim.control.clock,
    amigoUser: { org_id: sim.orgId, user_id: sim.credentials.userId },
    access: accessPolicy(parseConfig({ SLACK_API_URL: slack.apiUrl })),
    waitForPostMs: 0,
    ...overrides,
  });
}
