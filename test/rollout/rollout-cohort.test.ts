/**
 * The gates read the canary's own traffic, with the real Pulumi CLI and the emulator: a canary
 * limited to tenant eu (`match:`), while the canary agent also serves direct sessions and a
 * second alias, and the baseline agent serves the alias's other tenant. Per agent, the
 * pollution decides; per cohort (the alias's eu sessions of the stage, on each agent), the
 * canary does.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { pulumiAvailable } from "../helpers/pulumi.js";
import {
  disposeRehearsal,
  type Rehearsal,
  type RolloutRun,
  rehearsal,
  rollout,
  servedWeights,
} from "../helpers/rollout.js";

vi.setConfig({ testTimeout: 900_000, hookTimeout: 600_000 });
afterEach(disposeRehearsal);

const POLICY = `key: support
name: Customer Support
canary:
  from: support-v1
  to: support-v2
  partition_by: "get('$.session.metadata.user_id', get('$.session.key'))"
  match: "get('$.session.metadata.tenant') == 'eu'"
  others: support-v1
  current: baseline
  hold: 3s
  max_wait: 30s
  gates:
    min_traces: 80
    error_rate: { max_increase_points: 3, max: 5 }
  stages:
    - { name: baseline, weights: [100, 0] }
    - { name: canary-50, weights: [50, 50] }
    - { name: complete, weights: [0, 100] }
`;

/** The alias's traffic (eu and us in turn), and the canary agent's other traffic: direct sessions and a second alias. */
async function polluted(r: Rehearsal): Promise<RolloutRun> {
  await r.api.createAlias({
    key: "other",
    name: "Other",
    policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "support-v2" } }] },
  });
  return {
    shape: {
      contexts: [{ metadata: { tenant: "eu" } }, { metadata: { tenant: "us" } }],
      keyPrefix: "eu_us_",
    },
    also: [
      {
        rate: 60,
        shape: { agent: "support-v2", contexts: [{ metadata: { tenant: "direct" } }], keyPrefix: "direct_" },
      },
      {
        rate: 40,
        shape: { alias: "other", contexts: [{ metadata: { tenant: "other" } }], keyPrefix: "other_" },
      },
    ],
  };
}

describe.skipIf(!pulumiAvailable())("cohort-correct gates (real CLI, emulator)", () => {
  it("a canary failing for its own tenant through the alias aborts, though healthy direct and other-alias traffic would hide it per agent", async () => {
    const r = await rehearsal({
      profiles: ["*=errors=0", "support-v2[tenant=eu,@alias=support]=errors=0.2"],
      minTraces: 80,
      policy: POLICY,
    });
    const run = await polluted(r);
    const { code, result, err } = await rollout(r, 60, [], run);
    expect(code, err).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    expect(result.message).toMatch(
      /^error rate of support-v2 \d+\.\d% vs 0\.0% on support-v1 over \d+ traces/,
    );
    const check = result.stages[1]!.checks.at(-1)!;
    // The cohort's own rate (20% drawn; at 80+ traces above 6% all but surely), where the agent's
    // traffic as a whole (its direct and other-alias sessions healthy) would be near 2.6%.
    expect(check.canary!.error_rate!).toBeGreaterThan(6);
    // What was left out, and why: the direct and other-alias sessions, the us tenant (routed by the catch-all).
    expect(check.left_out!.elsewhere).toBeGreaterThan(check.canary!.traces);
    expect(check.left_out!.other_rule).toBeGreaterThan(0);
    expect(check.unjoined).toBe(0);
    expect(err).toMatch(/left out \d+ traces \(other alias or direct \d+/);
    expect(await servedWeights(r)).toBe("support-v1:100,support-v2:0");
  });

  it("the same pollution reversed: a healthy canary completes, though the canary agent fails elsewhere and the baseline agent fails for the other tenant", async () => {
    const r = await rehearsal({
      profiles: [
        "*=errors=0",
        "support-v2[tenant=direct]=errors=0.3",
        "support-v2[@alias=other]=errors=0.3",
        "support-v1[tenant=us]=errors=0.3",
      ],
      minTraces: 80,
      policy: POLICY,
    });
    const run = await polluted(r);
    const { code, result, err } = await rollout(r, 60, [], run);
    expect(code, err).toBe(0);
    expect(result.status).toBe("completed");
    for (const s of result.stages.slice(1)) expect(s.checks.at(-1)!.canary!.error_rate).toBe(0);
    expect(result.stages[1]!.checks.at(-1)!.baseline!.error_rate).toBe(0);
  });
});
