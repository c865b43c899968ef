/**
 * The Homes wired to the simulator (as Amigo, on its clock), the Slack stand-in and a state
 * store, everyone allowed, with each views.publish noted with the simulated time it was made
 * at: for the refresh tests and the Home bench.
 */
import { accessPolicy } from "../../functions/core/commands/access.js";
import { parseConfig } from "../../functions/core/config.js";
import { createHomes, type HomeDeps } from "../../functions/core/home/homes.js";
import { silentLogger } from "../../functions/core/log.js";
import type { StateStore } from "../../functions/core/ports.js";
import { SlackChat } from "../../functions/slack/client.js";
import { type SimulatorFixture, testClient } from "./simulator.js";
import type { SlackStub } from "./slack-stub.js";

export function homeParts(sim: SimulatorFixture, stub: Pick<SlackStub, "token" | "apiUrl">, state: StateStore) {
  const published: { userId: string; at: number }[] = [];
  const chat = new SlackChat({ token: stub.token, apiUrl: stub.apiUrl, timeoutMs: 5000 });
  const noted = Object.assign(Object.create(chat) as SlackChat, {
    publishHome: async (view: Parameters<SlackChat["publishHome"]>[0]) => {
      published.push({ userId: view.userId, at: sim.control.now().getTime() });
      await chat.publishHome(view);
    },
  });
  const deps: HomeDeps = { amigo: testClient(sim).client, state, chat: noted, clock: sim.control.clock, access: accessPolicy(parseConfig({})), log: silentLogger };
  return { deps, homes: createHomes(deps), published };
}
