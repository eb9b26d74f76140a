/**
 * Where `agent-alias rollout` starts, with the real Pulumi CLI and the emulator: from where the
 * alias is, never moving users back without consent. Holds of seconds.
 */
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pulumiAvailable } from "../helpers/pulumi.js";
import {
  configStage,
  disposeRehearsal,
  policyText,
  pollServed,
  rehearsal,
  rollout,
  servedWeights,
} from "../helpers/rollout.js";

vi.setConfig({ testTimeout: 900_000, hookTimeout: 600_000 });
afterEach(disposeRehearsal);

const HEALTHY = { profiles: ["*=errors=0"], minTraces: 60, hold: "2s", maxWait: "20s" };

describe.skipIf(!pulumiAvailable())("where agent-alias rollout starts (real CLI, emulator)", () => {
  it("run twice: already complete, no up, users never back; a move back needs --allow-back and says who moves; a new canary over it starts with the new agent at 0", async () => {
    const r = await rehearsal({ ...HEALTHY, agents: ["support-v1", "support-v2", "support-v3"] });
    const first = await rollout(r, 100);
    expect(first.code, first.err).toBe(0);
    expect(configStage(r)).toBe("complete");

    // The same command again, as a re-run CI job: nothing moves, not even for a moment.
    const poll = pollServed(r);
    const again = await rollout(r, 0);
    const seen = await poll.stop();
    expect(again.code, again.err).toBe(0);
    expect(again.result).toMatchObject({
      status: "already_complete",
      start_stage: null,
      deployed_stage: "complete",
    });
    expect(again.result.message).toBe("already complete: the alias 'support' serves complete; nothing to do");
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(["support-v1:0,support-v2:100"]));

    // Back to canary-50: refused without consent, and nothing changes.
    const refused = await rollout(r, 0, ["--from-stage", "canary-50"]);
    expect(refused.code).toBe(2);
    expect(refused.result.status).toBe("refused");
    expect(refused.err).toContain(
      "agent-alias rollout: the alias 'support' is at complete (0/100); starting at canary-50 (50/50) would send 50% of the canary rule's sessions from support-v2 back to support-v1; to do that on purpose add --allow-back (--from-stage canary-50 --allow-back)",
    );
    expect(await servedWeights(r)).toBe("support-v1:0,support-v2:100");
    // With consent it does what it says, reports who moves, and goes on.
    const back = await rollout(r, 100, ["--from-stage", "canary-50", "--allow-back"]);
    expect(back.code, back.err).toBe(0);
    expect(back.result.moved_back).toMatchObject({ from_stage: "complete", to_stage: "canary-50" });
    const [move] = back.result.moved_back!.moves;
    expect([move!.from, move!.to]).toEqual(["support-v2", "support-v1"]);
    expect(Math.abs(move!.share - 0.5)).toBeLessThan(0.03);
    expect(back.err).toMatch(
      /moving back complete -> canary-50: \d+\.\d% of the canary rule's partition keys move from support-v2 to support-v1/,
    );

    // A new canary over the completed one (support-v2 -> support-v3): it starts at the stage that
    // sends support-v3 nothing, never at the old table's complete.
    writeFileSync(
      r.policyFile,
      policyText(HEALTHY)
        .replace(/support-v2/g, "support-v3")
        .replace(/support-v1/g, "support-v2"),
    );
    const poll2 = pollServed(r);
    const next = await rollout(r, 100);
    const seen2 = await poll2.stop();
    expect(next.code, next.err).toBe(0);
    expect(next.result).toMatchObject({
      initial_deployed: "baseline",
      start_stage: "baseline",
      status: "completed",
    });
    // From v1 0 / v2 100 to v2 100 / v3 0 (nobody moves), then on to v3; v1 never gets anyone.
    const firstChange = seen2.find((s) => s !== "support-v1:0,support-v2:100");
    expect(firstChange).toBe("support-v2:100,support-v3:0");
    expect(seen2.filter((s) => /support-v1:[1-9]/.test(s))).toEqual([]);
    expect(await servedWeights(r)).toBe("support-v2:0,support-v3:100");
  });

  it("an alias at a later stage than current: starts there; one at no stage of the table is refused", async () => {
    const r = await rehearsal({
      ...HEALTHY,
      stage: "canary-50",
      policy: policyText(HEALTHY).replace("current: canary-50", "current: baseline"),
    });
    const dry = await rollout(r, 0, ["--dry-run"]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.result.actions?.[0]).toBe("stack config canaryStage is 'canary-50'; would start at canary-50");
    expect(dry.err).toContain(
      "the policy file's current: says baseline, but the alias serves canary-50 (50/50): the rollout goes on from there",
    );
    const run = await rollout(r, 100);
    expect(run.code, run.err).toBe(0);
    expect(run.result.start_stage).toBe("canary-50");
    expect(run.result.stages.map((s) => [s.name, s.outcome, s.resumed])).toEqual([
      ["canary-50", "passed", true],
      ["complete", "passed", false],
    ]);

    // Someone set 70/30 by hand: no stage of the table; refused, and nothing changes.
    await r.api.replacePolicy("support", {
      type: "routed",
      rules: [
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.metadata.user_id', get('$.session.key'))",
            options: [
              { agent_key: "support-v1", weight: 70 },
              { agent_key: "support-v2", weight: 30 },
            ],
          },
        },
      ],
    });
    const refused = await rollout(r, 0);
    expect(refused.code).toBe(2);
    expect(refused.result.status).toBe("refused");
    expect(refused.err).toContain(
      "the alias 'support' serves a policy that is no stage of the table: rule 1 sends support-v1 70%, support-v2 30%, which is no stage of the table (baseline 100/0, canary-50 50/50, complete 0/100); give --from-stage NAME to deploy a stage from here",
    );
    expect(await servedWeights(r)).toBe("support-v1:70,support-v2:30");
    expect(configStage(r)).toBe("complete");
  });
});
