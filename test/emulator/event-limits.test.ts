/** The declared event limits are enforced: messages per input, events per session. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_LIMITS } from "../../src/emulator/index.js";
import { Store } from "../../src/emulator/state/store.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator();
  await e.call("POST", "/v2/agents", { key: "ev", name: "ev" });
  await e.call("POST", "/v2/agents/ev/sessions", { key: "s" });
});
afterAll(() => e.close());

const input = (n: number, content = "hi") => ({
  type: "input_message",
  messages: Array.from({ length: n }, () => ({ type: "text", content })),
});

describe("event limits", () => {
  it(`${EMULATOR_LIMITS.maxEventMessages} messages in one input pass, one more is a 400 naming messages`, async () => {
    expect((await e.call("POST", "/v2/agents/ev/sessions/s/events", input(100))).status).toBe(201);
    const r = await e.call("POST", "/v2/agents/ev/sessions/s/events", input(101));
    expect(r.status).toBe(400);
    expect(r.body.messages).toEqual(["messages: at most 100 messages in one event"]);
  });

  it("a message longer than the limit is a 400 naming it", async () => {
    const r = await e.call("POST", "/v2/agents/ev/sessions/s/events", input(1, "x".repeat(100_001)));
    expect(r.status).toBe(400);
    expect(r.body.messages).toEqual(["messages[0].content: must be at most 100000 characters"]);
  });

  it(`a session keeps at most ${EMULATOR_LIMITS.maxEventsPerSession} events; past it an input is a 409`, () => {
    const store = new Store();
    store.createAgent({ key: "a", name: "a" });
    store.createAgentSession("a", { key: "s" });
    const via = { agent: "a", session: "s" } as const;
    for (let i = 0; i < EMULATOR_LIMITS.maxEventsPerSession / 2; i++) store.addEvents(via, input(1));
    expect(() => store.addEvents(via, input(1))).toThrow(
      `Session 's' has reached the limit of ${EMULATOR_LIMITS.maxEventsPerSession} events; start a new session`,
    );
  });
});
