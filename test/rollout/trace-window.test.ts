import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ApiTrace, MIN_REREAD_MS, TraceWindow } from "../../src/rollout/index.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
const trace = (id: string, startedAt: number, durationMs = 100, status = "ok"): ApiTrace => ({
  trace_id: id,
  agent_key: "v2",
  started_at: iso(startedAt),
  duration_ms: durationMs,
  status,
});

describe("TraceWindow: a stage's traces read a slice at a time", () => {
  it("reads from the stage's start first, then only back over the end of the last read", () => {
    const w = new TraceWindow("v2", T0);
    expect(w.nextRead(T0 + 10_000)).toEqual({ start: T0, end: T0 + 10_000 });
    w.add([], T0 + 10_000);
    // Never before the stage's start, however far back the re-read would go.
    expect(w.nextRead(T0 + 20_000)).toEqual({ start: T0, end: T0 + 20_000 });
    w.add([], T0 + 20_000);
    w.add([], T0 + 300_000);
    expect(w.nextRead(T0 + 310_000)).toEqual({ start: T0 + 300_000 - MIN_REREAD_MS, end: T0 + 310_000 });
  });

  it("counts a trace listed by two reads once, and one listed late (it ended after a read) too", () => {
    const w = new TraceWindow("v2", T0);
    w.add([trace("a", T0 + 1000), trace("b", T0 + 2000)], T0 + 5000);
    // b again (the re-read), and c: started before the last read ended, listed only now.
    w.add([trace("b", T0 + 2000), trace("c", T0 + 4000, 3000, "error")], T0 + 10_000);
    expect(w.traces.map((t) => [t.startedAt - T0, t.ok])).toEqual([
      [1000, true],
      [2000, true],
      [4000, false],
    ]);
  });

  it("keeps only usable traces inside [start, end)", () => {
    const w = new TraceWindow("v2", T0);
    w.add(
      [
        trace("before", T0 - 1),
        trace("at-start", T0),
        trace("bad-status", T0 + 10, 100, "pending"),
        { trace_id: "bad-time", started_at: "yesterday", status: "ok" },
        trace("at-end", T0 + 5000),
      ],
      T0 + 5000,
    );
    expect(w.traces.map((t) => t.startedAt - T0)).toEqual([0]);
  });

  it("goes back twice the longest duration seen, when that is more than the minimum", () => {
    const w = new TraceWindow("v2", T0);
    w.add([trace("slow", T0 + 1000, 90_000)], T0 + 600_000);
    expect(w.nextRead(T0 + 610_000).start).toBe(T0 + 600_000 - 180_000);
  });

  it("read incrementally, it holds what one full read at the end would (traces listed once they end)", () => {
    // Traces listed by the API once their invocation has ended (started_at + duration), and
    // checks at arbitrary times: the slices, with their re-reads, miss none and count none twice.
    const traces = fc.array(
      fc.record({
        start: fc.integer({ min: -30_000, max: 600_000 }),
        duration: fc.integer({ min: 0, max: 59_000 }),
      }),
      { maxLength: 200 },
    );
    const checks = fc.uniqueArray(fc.integer({ min: 1, max: 700_000 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(traces, checks, (ts, times) => {
        const all = ts.map((t, i) => ({
          ...trace(`t${i}`, T0 + t.start, t.duration),
          endsAt: T0 + t.start + t.duration,
        }));
        const listAt = (now: number, from: number, to: number) =>
          all.filter(
            (t) => t.endsAt <= now && Date.parse(t.started_at) >= from && Date.parse(t.started_at) < to,
          );
        const w = new TraceWindow("v2", T0);
        const sorted = [...times].sort((a, b) => a - b).map((t) => T0 + t);
        for (const now of sorted) {
          const range = w.nextRead(now);
          w.add(listAt(now, range.start, range.end), now);
        }
        const last = sorted.at(-1)!;
        const full = listAt(last, T0, last).map((t) => Date.parse(t.started_at) - T0);
        expect(w.traces.map((t) => t.startedAt - T0).sort((a, b) => a - b)).toEqual(
          full.sort((a, b) => a - b),
        );
      }),
      { numRuns: 300 },
    );
  });
});
