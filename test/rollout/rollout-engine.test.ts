import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { compilePolicy, expandCanaryDocument } from "../../src/policy/index.js";
import { rolloutMarkdown } from "../../src/rollout/report.js";
import { pulumiAvailable } from "../helpers/pulumi.js";
import {
  configStage,
  disposeRehearsal,
  policyText,
  type Rehearsal,
  rehearsal,
  rollout,
} from "../helpers/rollout.js";

// Real `pulumi up`s through the Automation API (5-30 s each), holds of a few seconds.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

afterEach(disposeRehearsal);

/** The agent the resolver sends each traffic user (`user-1` … `user-500`) to at `stage`. */
function routedAt(stage: string): Map<string, string> {
  const doc = parse(policyText({ minTraces: 1 })) as { canary: Record<string, unknown> };
  const expanded = expandCanaryDocument({ ...doc, canary: { ...doc.canary, current: stage } });
  expect(expanded.issues).toEqual([]);
  const resolver = compilePolicy(expanded.doc);
  const out = new Map<string, string>();
  for (let i = 1; i <= 500; i++) {
    const user = `user-${i}`;
    out.set(
      user,
      resolver.resolve({ session: { key: `probe-${i}`, metadata: { user_id: user } } }).agent_key,
    );
  }
  return out;
}

/** The users of the sessions `agentKey` answered between `start` and `end` (at most `limit`). */
async function usersServedBy(r: Rehearsal, agentKey: string, start: string, end: string, limit = 40) {
  const users = new Set<string>();
  for await (const t of r.api.allTraces({
    agent_key: agentKey,
    started_after: new Date(start),
    started_before: new Date(end),
  })) {
    if (t.session_key === null || t.session_key === undefined) continue;
    const s = await r.api.getSession({ agentKey }, t.session_key);
    users.add(String(s.metadata?.user_id));
    if (users.size >= limit) break;
  }
  return users;
}

describe.skipIf(!pulumiAvailable())("agent-alias rollout on the emulator, with the real Pulumi CLI", () => {
  it("takes a healthy canary through every stage; the stack config ends at the last stage", async () => {
    const r = await rehearsal({
      profiles: ["support-v1=errors=0.01", "support-v2=errors=0.01"],
      minTraces: 120,
    });
    // --dry-run says what it would do and changes nothing: config, alias, and no stage judged.
    const before = await r.api.getAlias("support");
    const dry = await rollout(r, 1, ["--dry-run"]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.result.status).toBe("dry_run");
    expect(dry.result.stages.map((s) => s.name)).toEqual(["baseline", "canary-50", "complete"]);
    expect(dry.result.stages.every((s) => s.checks.length === 0)).toBe(true);
    expect(configStage(r)).toBe("baseline");
    expect((await r.api.getAlias("support")).policy).toEqual(before.policy);

    const { code, result, err } = await rollout(r, 80);
    expect(code, err).toBe(0);
    expect(result.status).toBe("completed");
    // The Markdown report: a timeline row per stage with its figures, the verdicts, a chart.
    const md = rolloutMarkdown(result);
    expect(md).toMatch(/^### Rollout of `support-v2` \(baseline `support-v1`\): completed/);
    expect(md).toMatch(/\| canary-50 \| 50\/50 \| .* \| passed \|/);
    expect(md).toMatch(/\| complete \| 0\/100 \| .* \| passed \|/);
    expect(md).toContain("- **canary-50**: passed after");
    expect(md).toContain("```mermaid");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["baseline", "deployed"],
      ["canary-50", "passed"],
      ["complete", "passed"],
    ]);
    for (const s of result.stages.slice(1))
      expect(s.checks.at(-1)!.canary!.traces).toBeGreaterThanOrEqual(120);
    expect(err).toMatch(/rollout: canary-50: pass: passed after \d+s/);
    expect(configStage(r)).toBe("complete");
    const alias = await r.api.getAlias("support");
    expect(JSON.stringify(alias.policy)).toContain('"weight":100');
  });

  it("aborts a canary with 8% errors against 1% at the first stage, reverts, exits 1 with the verdict", async () => {
    const r = await rehearsal({
      profiles: ["support-v1=errors=0.01", "support-v2=errors=0.08"],
      minTraces: 300,
    });
    const { code, result, err } = await rollout(r, 150);
    expect(code).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["baseline", "deployed"],
      ["canary-50", "failed"],
    ]);
    expect(result.message).toMatch(
      /^error rate of support-v2 \d+\.\d% vs \d+\.\d% on support-v1 over \d+ traces \(limits? (?:\+3\.0 pt|5\.0%|\+3\.0 pt, 5\.0%)\); reverted to baseline$/,
    );
    expect(err).toContain(`agent-alias rollout: ${result.message}`);
    expect(configStage(r)).toBe("baseline");

    // By partition key: the users canary-50 moved to support-v2 (by the resolver, and the
    // emulator agrees on the sessions it served in the stage's window) go back to support-v1
    // after the revert; every other user stays on support-v1.
    const atCanary = routedAt("canary-50");
    const moved = [...atCanary].filter(([, agent]) => agent === "support-v2").map(([user]) => user);
    expect(moved.length).toBeGreaterThan(150);
    expect(moved.length).toBeLessThan(350);
    const { start, end } = result.stages[1]!.window;
    for (const user of await usersServedBy(r, "support-v2", start, end!))
      expect(atCanary.get(user), user).toBe("support-v2");
    for (const user of await usersServedBy(r, "support-v1", start, end!))
      expect(atCanary.get(user), user).toBe("support-v1");
    const atBaseline = routedAt("baseline");
    for (const [user, before] of atCanary) {
      const s = await r.api.createSession({ aliasKey: "support" }, { metadata: { user_id: user } });
      expect(s.agent_key, user).toBe("support-v1");
      expect(s.agent_key, user).toBe(atBaseline.get(user));
      if (before === "support-v1") expect(s.agent_key, `${user} unchanged`).toBe(before);
    }
  });

  it("too little traffic is inconclusive after hold + max wait, never a pass", async () => {
    const r = await rehearsal({ profiles: ["*=errors=0"], minTraces: 1000, hold: "2s", maxWait: "3s" });
    const { code, result } = await rollout(r, 5);
    expect(code).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.stages[1]!.outcome).toBe("inconclusive");
    expect(result.stages[1]!.checks.every((c) => c.verdict !== "pass")).toBe(true);
    expect(result.message).toMatch(
      /^inconclusive after \d+s \(hold 2s \+ max wait 3s\): \d+ traces on support-v2(?: and \d+ traces on support-v1)?, 1000 needed; reverted to baseline$/,
    );
    expect(configStage(r)).toBe("baseline");
  });
});
