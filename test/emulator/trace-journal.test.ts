/**
 * Traces and `--data`: each answered input journals its events and then its trace (a
 * `trace.add` record); a restart answers the same traces, and the traces after it are those
 * an emulator that never stopped would have drawn (the per-agent index comes back with the
 * records); a restart with a lower `maxTraces` keeps the newest.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { EmulatorOptions } from "../../src/emulator/index.js";
import { readJournal } from "../../src/emulator/journal/index.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-traces-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}

const T0 = Date.parse("2026-06-02T10:00:00.000Z");
const input = (content: string) => ({ type: "input_message", messages: [{ type: "text", content }] });
const PROFILES = ["v1=errors=0.3,latency=20ms..200ms", "v2=errors=0.6,error_types=internal/stream_error"];

/** An emulator on a clock that moves 100 ms per input. */
async function start(options: EmulatorOptions, clock: { now: number }): Promise<TestEmulator> {
  return startTestEmulator({
    randomSeed: 11,
    agentProfiles: PROFILES,
    clock: () => new Date(clock.now),
    ...options,
  });
}

async function setup(e: TestEmulator): Promise<void> {
  for (const key of ["v1", "v2"])
    expect((await e.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
  for (const key of ["v1", "v2"]) await e.call("POST", `/v2/agents/${key}/sessions`, { key: `s-${key}` });
}

async function send(e: TestEmulator, clock: { now: number }, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    clock.now = T0 + 100 * i;
    const agent = i % 3 === 0 ? "v2" : "v1";
    const r = await e.call("POST", `/v2/agents/${agent}/sessions/s-${agent}/events`, input(`input ${i}`));
    expect(r.status).toBe(201);
  }
}

async function traces(e: TestEmulator): Promise<Json[]> {
  const r = await e.call("GET", "/v2/agent_analytics/traces?limit=100");
  expect(r.status).toBe(200);
  return r.body.traces;
}

describe("traces in the data file", () => {
  it("a restart answers the same traces, and goes on as if it had never stopped", async () => {
    const file = dataFile();
    const clock = { now: T0 };
    let e = await start({ dataFile: file }, clock);
    let before: Json[];
    try {
      await setup(e);
      await send(e, clock, 0, 20);
      before = await traces(e);
      expect(before).toHaveLength(20);
    } finally {
      await e.close();
    }
    // Each input's events, then its trace, in the file.
    const ops = readJournal(file).records.map((r) => r.op);
    expect(ops.filter((op) => op === "trace.add")).toHaveLength(20);
    ops.forEach((op, i) => {
      if (op === "trace.add") expect(ops[i - 1]).toBe("events.add");
    });

    e = await start({ dataFile: file }, clock);
    let after: Json[];
    try {
      expect(await traces(e)).toEqual(before);
      for (const t of before)
        expect((await e.call("GET", `/v2/agent_analytics/traces/${t.trace_id}`)).body).toEqual(t);
      await send(e, clock, 20, 30);
      after = await traces(e);
    } finally {
      await e.close();
    }

    // The same 30 inputs on an emulator that never stopped (and never had a data file).
    const steady = { now: T0 };
    const s = await start({}, steady);
    try {
      await setup(s);
      await send(s, steady, 0, 30);
      expect(after).toEqual(await traces(s));
    } finally {
      await s.close();
    }
  });

  it("a restart with a lower maxTraces keeps the newest; the file keeps them all", async () => {
    const file = dataFile();
    const clock = { now: T0 };
    let e = await start({ dataFile: file }, clock);
    let all: Json[];
    try {
      await setup(e);
      await send(e, clock, 0, 12);
      all = await traces(e);
    } finally {
      await e.close();
    }
    e = await start({ dataFile: file, maxTraces: 4 }, clock);
    try {
      expect(await traces(e)).toEqual(all.slice(0, 4));
      expect((await e.call("GET", `/v2/agent_analytics/traces/${all[4].trace_id}`)).status).toBe(404);
    } finally {
      await e.close();
    }
    e = await start({ dataFile: file }, clock);
    try {
      expect(await traces(e)).toEqual(all);
    } finally {
      await e.close();
    }
  });

  it("the profiles at replay do not change the traces replayed", async () => {
    const file = dataFile();
    const clock = { now: T0 };
    let e = await start({ dataFile: file }, clock);
    let before: Json[];
    try {
      await setup(e);
      await send(e, clock, 0, 6);
      before = await traces(e);
    } finally {
      await e.close();
    }
    e = await start({ dataFile: file, randomSeed: 12, agentProfiles: ["*=errors=1,latency=1ms"] }, clock);
    try {
      expect(await traces(e)).toEqual(before);
      await send(e, clock, 6, 7);
      expect((await traces(e))[0]).toMatchObject({ status: "error", duration_ms: 1 });
    } finally {
      await e.close();
    }
  });
});
