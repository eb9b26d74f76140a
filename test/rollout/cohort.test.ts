/**
 * What a gate judges: the traces of the alias's own sessions of the stage, routed by the canary
 * rule (splitByCohort), and the alias's sessions read a page at a time in either listing order
 * (SessionLog).
 */
import { describe, expect, it } from "vitest";
import { canaryPlan, checkPolicy } from "../../src/policy/index.js";
import { CohortClassifier, splitByCohort } from "../../src/rollout/cohort.js";
import { type ApiSession, SessionLog } from "../../src/rollout/sessions.js";
import { gateTraceOf } from "../../src/rollout/traces.js";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** A paged listing of `all` (100 a page), oldest first or newest first, counting its calls. */
function lister(all: ApiSession[], order: "oldest_first" | "newest_first") {
  const calls: (string | undefined)[] = [];
  const read = async (pageKey: string | undefined) => {
    calls.push(pageKey);
    const list = order === "oldest_first" ? all : [...all].reverse();
    const from = pageKey === undefined ? 0 : Number(pageKey);
    return {
      sessions: list.slice(from, from + 100),
      next: from + 100 < list.length ? String(from + 100) : undefined,
    };
  };
  return { read, calls };
}
const session = (i: number, agent = "v1", metadata: Record<string, unknown> = {}): ApiSession => ({
  key: `s${i}`,
  name: `s${i}`,
  description: null,
  agent_key: agent,
  alias_key: "chat",
  metadata,
  created_at: iso(T0 + i * 10),
});

describe("the alias's sessions, read as they come", () => {
  for (const order of ["oldest_first", "newest_first"] as const)
    it(`${order}: every session once, and a catch-up reads only the new pages (plus one)`, async () => {
      const all = Array.from({ length: 250 }, (_, i) => session(i));
      const { read, calls } = lister(all, order);
      const log = new SessionLog(read);
      await log.catchUp();
      expect(log.size).toBe(250);
      expect(log.listingOrder).toBe(order);
      const first = calls.length;
      for (let i = 250; i < 380; i++) all.push(session(i));
      await log.catchUp();
      expect(log.size).toBe(380);
      expect(log.get("s379")?.createdAt).toBe(T0 + 3790);
      // 130 new sessions: two pages, plus at most one old page read again.
      expect(calls.length - first).toBeLessThanOrEqual(3);
      const before = calls.length;
      await log.catchUp();
      expect(calls.length - before).toBeLessThanOrEqual(2);
    });

  it("newest first: the first catch-up stops at sessions older than the stage, not at the end of the list", async () => {
    const all = Array.from({ length: 1000 }, (_, i) => session(i));
    const { read, calls } = lister(all, "newest_first");
    const log = new SessionLog(read);
    await log.catchUp(T0 + 9500); // the stage began after the 950th session
    expect(calls.length).toBe(1);
    expect(log.get("s999")).toBeDefined();
    expect(log.get("s900")).toBeDefined();
    expect(log.get("s100")).toBeUndefined();
  });

  it("the order is told by a page's first and last sessions, not by one pair out of order", async () => {
    const all = Array.from({ length: 50 }, (_, i) => session(i));
    [all[0], all[1]] = [
      { ...all[1]!, key: "s0" },
      { ...all[0]!, key: "s1" },
    ]; // a skewed pair at the top
    const log = new SessionLog(lister(all, "oldest_first").read);
    await log.catchUp();
    expect(log.listingOrder).toBe("oldest_first");
  });

  it("keeps a session once seen, whatever the API does with it later (expiry, eviction)", async () => {
    const all = Array.from({ length: 5 }, (_, i) => session(i));
    const log = new SessionLog(lister(all, "oldest_first").read);
    await log.catchUp();
    all.splice(0, 3);
    await log.catchUp();
    expect(log.get("s0")).toBeDefined();
  });
});

describe("the canary cohort of a stage", () => {
  const TENANT = "get('$.session.metadata.tenant') == 'eu'";
  const plan = canaryPlan({
    from: "v1",
    to: "v2",
    partitionBy: "get('$.session.key')",
    current: "canary-50",
    match: TENANT,
    others: "v1",
  });
  const stage = plan.stages.findIndex((s) => s.name === "canary-50");
  const checked = checkPolicy({ key: "chat", policy: plan.policies[stage]! });
  if (!checked.ok) throw new Error("bad policy");
  const classifier = () =>
    new CohortClassifier({
      policy: checked.policy,
      alias: { key: "chat", name: "Chat" },
      canaryRule: 0,
      from: "v1",
      to: "v2",
    });
  const route = (key: string, tenant: string) =>
    checked.policy.resolver.resolve({
      agent: { key: "chat", name: "Chat", description: "", metadata: {} },
      session: { key, name: key, description: "", metadata: { tenant } },
    }).agent_key;

  it("keeps the eu sessions the canary rule routed, on each agent; leaves out the rest by reason", async () => {
    const sessions: ApiSession[] = [];
    for (let i = 0; i < 200; i++) {
      const tenant = i % 2 === 0 ? "eu" : "us";
      sessions.push({ ...session(i, route(`s${i}`, tenant), { tenant }), created_at: iso(T0 + 1000 + i) });
    }
    sessions.push({ ...session(900, "v2", { tenant: "eu" }), created_at: iso(T0 - 5000) }); // before the stage
    // An eu session on the agent this stage's policy would not send it to: made under another policy.
    sessions.push(session(901, route("s901", "eu") === "v1" ? "v2" : "v1", { tenant: "eu" }));
    const log = new SessionLog(lister(sessions, "oldest_first").read);
    await log.catchUp();
    const trace = (s: ApiSession, n: number, ok = true) =>
      gateTraceOf({
        trace_id: `t${s.key}-${n}`,
        agent_key: s.agent_key,
        session_key: s.key,
        started_at: iso(T0 + 2000 + n),
        duration_ms: 100,
        status: ok ? "ok" : "error",
      })!;
    const byAgent = (a: string) => sessions.filter((s) => s.agent_key === a).map((s, n) => trace(s, n));
    const foreign = [
      gateTraceOf({
        trace_id: "x1",
        agent_key: "v2",
        session_key: "direct-1",
        started_at: iso(T0 + 3000),
        status: "error",
      })!,
      gateTraceOf({
        trace_id: "x2",
        agent_key: "v2",
        session_key: null,
        started_at: iso(T0 + 3000),
        status: "ok",
      })!,
    ];
    const split = splitByCohort(
      { baseline: byAgent("v1"), canary: [...byAgent("v2"), ...foreign] },
      log,
      classifier(),
      T0,
    );
    const eu = sessions.filter(
      (s) => s.metadata?.tenant === "eu" && Date.parse(s.created_at) >= T0 && s.key !== "s901",
    );
    // The canary: eu sessions on v2, plus the unjoinable trace (counted by agent).
    expect(split.canary.length).toBe(eu.filter((s) => s.agent_key === "v2").length + 1);
    expect(split.baseline.length).toBe(eu.filter((s) => s.agent_key === "v1").length);
    expect(split.baseline.length).toBeGreaterThan(30);
    expect(split.canary.length).toBeGreaterThan(30);
    expect(split.unjoined).toBe(1);
    expect(split.leftOut).toEqual({
      elsewhere: 1,
      before_stage: 1,
      other_rule: 100, // the us sessions, sent to v1 by the catch-all
      other_policy: 1,
    });
  });
});
