/**
 * Fault injection: 503/429 with Retry-After, dropped connections and latency on a share of API
 * calls, seeded so a sequence replays; `/_emulator/*` is never faulted; a faulted write never happens.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createEmulator, parseFaultSpec } from "../../src/emulator/index.js";
import { faultConfigSchema } from "../../src/wire/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

describe("faults limited to some operations (ops=)", () => {
  it("ops=traces.list: only trace listings meet faults; every other call is served and draws nothing", async () => {
    e = await startTestEmulator({ faults: "rate=1,ops=traces.list" });
    expect((await e.call("POST", "/v2/agents", { key: "a1", name: "A1" })).status).toBe(201);
    expect((await e.call("GET", "/v2/agents")).status).toBe(200);
    expect((await e.call("GET", "/v2/agent_analytics/traces/t-missing")).status).toBe(404); // traces.get
    const listed = await e.call("GET", "/v2/agent_analytics/traces?agent_key=a1");
    expect(listed.status).toBe(503);
    expect(listed.body.messages).toEqual(["Service unavailable (injected fault)"]);
    expect((await e.call("GET", "/_emulator/stats")).body.faults).toEqual({
      calls: 1,
      status: 1,
      reset: 0,
      latency: 0,
    });
  });

  it("a group (ops=traces) covers every traces.* operation; ops joins with +", async () => {
    e = await startTestEmulator({ faults: "rate=1,ops=traces+agents.create" });
    expect((await e.call("GET", "/v2/agent_analytics/traces")).status).toBe(503);
    expect((await e.call("GET", "/v2/agent_analytics/traces/t-1")).status).toBe(503);
    expect((await e.call("POST", "/v2/agents", { key: "never", name: "Never" })).status).toBe(503);
    expect((await e.call("GET", "/v2/agents/never")).status).toBe(404); // agents.get: not faulted
    expect((await e.call("GET", "/_emulator/faults")).body.operations).toEqual(["traces", "agents.create"]);
  });

  it("a seed replays the same faults on those operations whatever other calls come between", async () => {
    e = await startTestEmulator();
    const run = async (others: number): Promise<number[]> => {
      await e!.call("PUT", "/_emulator/faults", { rate: 0.5, seed: 7, operations: ["traces.list"] });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        for (let j = 0; j < (i % 3) * others; j++) await e!.call("GET", "/v2/agents");
        statuses.push((await e!.call("GET", "/v2/agent_analytics/traces")).status);
      }
      return statuses;
    };
    const alone = await run(0);
    expect(await run(2)).toEqual(alone);
    expect(new Set(alone)).toEqual(new Set([200, 503]));
  });

  it("an unknown operation is refused, naming it and the known ones", async () => {
    expect(() => parseFaultSpec("rate=1,ops=trace.list")).toThrow(
      /^faults: operations\[0\]: unknown operation 'trace\.list' \(known: agents, aliases, .*traces\.list, traces\.get/,
    );
    expect(() => parseFaultSpec("rate=1,ops=")).toThrow(
      "faults: ops: must name at least one operation (leave ops out for every API call)",
    );
    expect(parseFaultSpec("rate=0.3,ops=traces.list")).toMatchObject({
      rate: 0.3,
      operations: ["traces.list"],
    });
    e = await startTestEmulator();
    const put = await e.call("PUT", "/_emulator/faults", { rate: 1, operations: ["nope"] });
    expect(put.status).toBe(400);
    expect(Object.keys(put.body.field_errors)).toEqual(["operations[0]"]);
    expect(
      (await e.call("PUT", "/_emulator/faults", { rate: 1, operations: null })).body.operations,
    ).toBeNull();
  });
});

describe("status faults", () => {
  it("rate=1: every API call is answered 503 with Retry-After; /_emulator is untouched", async () => {
    e = await startTestEmulator({ faults: "rate=1,status=503,retry_after=3" });
    for (const [m, p] of [
      ["GET", "/v2/agents"],
      ["POST", "/v2/agents"],
      ["GET", "/v2/agent_aliases/x/sessions"],
    ] as const) {
      const r = await e.call(m, p, m === "POST" ? { key: "never", name: "Never" } : undefined);
      expect(r.status).toBe(503);
      expect(r.headers.get("retry-after")).toBe("3");
      expect(r.body).toEqual({
        messages: ["Service unavailable (injected fault)"],
        request_id: expect.any(String),
      });
    }
    expect((await e.call("GET", "/_emulator/health")).status).toBe(200);
    const stats = await e.call("GET", "/_emulator/stats");
    expect(stats.status).toBe(200);
    expect(stats.body.faults).toEqual({ calls: 3, status: 3, reset: 0, latency: 0 });
    // The faulted write did not happen.
    expect((await e.call("PUT", "/_emulator/faults", {})).status).toBe(200);
    expect((await e.call("GET", "/v2/agents/never")).status).toBe(404);
  });

  it("status=429 answers Too Many Requests with Retry-After", async () => {
    e = await startTestEmulator();
    const put = await e.call("PUT", "/_emulator/faults", { rate: 1, status: 429 });
    expect(faultConfigSchema.parse(put.body)).toMatchObject({ rate: 1, status: 429, retry_after: 1 });
    const r = await e.call("GET", "/v2/agents");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("1");
    expect((await e.call("GET", "/_emulator/faults")).body).toEqual(put.body);
  });

  it("a seed replays the same faults for the same sequence of calls", async () => {
    e = await startTestEmulator();
    const run = async (): Promise<number[]> => {
      await e!.call("PUT", "/_emulator/faults", { rate: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await e!.call("GET", "/v2/agents")).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(503);
    await e.call("PUT", "/_emulator/faults", { rate: 0.5, seed: 43 });
    const other: number[] = [];
    for (let i = 0; i < 40; i++) other.push((await e.call("GET", "/v2/agents")).status);
    expect(other).not.toEqual(first);
  });
});

describe("connection and latency faults", () => {
  it("reset=1 drops the connection without an answer; the server keeps serving", async () => {
    e = await startTestEmulator({ faults: "reset=1" });
    await expect(e.call("GET", "/v2/agents")).rejects.toThrow();
    await expect(e.call("POST", "/v2/agents", { key: "dropped", name: "D" })).rejects.toThrow();
    expect((await e.call("GET", "/_emulator/stats")).body.faults.reset).toBe(2);
    await e.call("PUT", "/_emulator/faults", {});
    expect((await e.call("GET", "/v2/agents/dropped")).status).toBe(404);
    expect((await e.call("GET", "/v2/agents")).status).toBe(200);
  });

  it("latency delays calls and they still succeed", async () => {
    e = await startTestEmulator({ faults: "latency=20ms" });
    for (let i = 0; i < 3; i++) expect((await e.call("GET", "/v2/agents")).status).toBe(200);
    expect((await e.call("GET", "/_emulator/stats")).body.faults).toEqual({
      calls: 3,
      status: 0,
      reset: 0,
      latency: 3,
    });
  });
});

describe("fault configuration errors", () => {
  it("PUT /_emulator/faults: 400 naming each bad setting, and the old configuration stays", async () => {
    e = await startTestEmulator();
    await e.call("PUT", "/_emulator/faults", { latency_ms: 1 });
    const r = await e.call("PUT", "/_emulator/faults", { rate: 2, status: 500, colour: "red" });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.field_errors).sort()).toEqual(["colour", "rate", "status"]);
    expect(r.body.field_errors.status).toBe("status: must be 503 or 429");
    const sum = await e.call("PUT", "/_emulator/faults", { rate: 0.6, reset: 0.6 });
    expect(sum.body.field_errors).toEqual({ rate: "rate: rate + reset must be at most 1" });
    expect((await e.call("GET", "/_emulator/faults")).body.latency_ms).toBe(1);
  });

  it("spec strings: units, defaults and errors that name the setting", async () => {
    expect(parseFaultSpec("rate=0.2,status=503,latency=50ms,reset=0.05")).toEqual({
      rate: 0.2,
      status: 503,
      retry_after: 1,
      reset: 0.05,
      latency_ms: 50,
      latency_rate: 1,
      seed: null,
      operations: null,
    });
    expect(parseFaultSpec("latency=2s,latency_rate=0.5,seed=7")).toMatchObject({
      latency_ms: 2000,
      latency_rate: 0.5,
      seed: 7,
    });
    expect(() => parseFaultSpec("rate=lots")).toThrow("faults: rate: 'lots' is not a number");
    expect(() => parseFaultSpec("bogus=1")).toThrow(/faults: unknown setting 'bogus'/);
    expect(() => parseFaultSpec("rate=1.5")).toThrow("faults: rate: must be a number from 0 to 1");
    expect(() => parseFaultSpec("latency=fast")).toThrow("faults: latency: 'fast' is not a duration");
    await expect(createEmulator({ faults: "status=200" })).rejects.toThrow(
      "faults: status: must be 503 or 429",
    );
  });
});
