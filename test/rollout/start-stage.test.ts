/**
 * Where a rollout starts: the served policy mapped onto the stage table (stageOfPolicy), and the
 * decision taken on it with the stack's record, config and flags (decideStart), as a pure
 * function over synthetic histories: what the API serves, what the record says, what config says.
 */
import { describe, expect, it } from "vitest";
import { type CanaryPlan, canaryPlan, type Policy } from "../../src/policy/index.js";
import { stageOfPolicy } from "../../src/rollout/position.js";
import { type RolloutRecord, rolloutKey } from "../../src/rollout/record.js";
import { decideStart, type StartInput } from "../../src/rollout/start.js";

const PARTITION = "get('$.session.metadata.user_id', get('$.session.key'))";
const plan = (from = "v1", to = "v2", extra: Partial<Parameters<typeof canaryPlan>[0]> = {}) =>
  canaryPlan({ from, to, partitionBy: PARTITION, current: "canary-20", ...extra });
const weighted = (w1: number, w2: number, a = "v1", b = "v2", partition = PARTITION): Policy => ({
  type: "routed",
  rules: [
    {
      targets: {
        type: "weighted",
        partition_by: partition,
        options: [
          { agent_key: a, weight: w1 },
          { agent_key: b, weight: w2 },
        ],
      },
    },
  ],
});
const single = (agent: string): Policy => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});
const name = (p: CanaryPlan, policy: Policy | null) => {
  const at = stageOfPolicy(p, policy);
  return at.kind === "stage" ? p.stages[at.index]!.name : at.kind;
};

describe("which stage an alias is at, by the policy it serves", () => {
  const p = plan();
  it("each stage's own policy is that stage; the same split written otherwise too", () => {
    for (const [i, s] of p.stages.entries()) expect(name(p, p.policies[i]!)).toBe(s.name);
    expect(name(p, weighted(19, 1))).toBe("canary-5"); // 95/5 reduced
    expect(name(p, weighted(4, 1))).toBe("canary-20");
    const reordered = weighted(20, 80);
    reordered.rules[0]!.targets = {
      ...reordered.rules[0]!.targets,
      options: [
        { agent_key: "v2", weight: 20 },
        { agent_key: "v1", weight: 80 },
      ],
    } as never;
    expect(name(p, reordered)).toBe("canary-20"); // option order moves nobody
    expect(name(p, single("v1"))).toBe("baseline");
    expect(name(p, single("v2"))).toBe("complete");
    expect(name(p, null)).toBe("absent");
  });

  it("a split no stage has, another partition or other rules: no stage, and the first difference says why", () => {
    expect(stageOfPolicy(p, weighted(70, 30))).toEqual({
      kind: "unmapped",
      reason:
        "rule 1 sends v1 70%, v2 30%, which is no stage of the table (baseline 100/0, canary-5 95/5, canary-20 80/20, canary-50 50/50, complete 0/100)",
      share: 0.3,
    });
    expect(stageOfPolicy(p, weighted(80, 20, "v1", "v2", "get('$.session.key')"))).toMatchObject({
      kind: "unmapped",
    });
    expect(
      stageOfPolicy(p, {
        type: "routed",
        rules: [{ match: "true", targets: { type: "single", agent_key: "v1" } }, ...single("v1").rules],
      }),
    ).toEqual({
      kind: "unmapped",
      reason: "it has 2 rules, the table's policies 1",
    });
    expect(stageOfPolicy(p, single("v3"))).toMatchObject({ kind: "unmapped" });
  });

  it("a new canary over a completed one: everything on the new `from` is the stage that sends `to` nothing", () => {
    const next = plan("v2", "v3");
    expect(name(next, weighted(0, 100))).toBe("baseline"); // v1 0 / v2 100 is all on v2
    const noBaseline = plan("v2", "v3", {
      current: "canary-5",
      stages: [
        { name: "canary-5", weights: [95, 5] },
        { name: "complete", weights: [0, 100] },
      ],
    });
    expect(stageOfPolicy(noBaseline, weighted(0, 100))).toMatchObject({
      kind: "stage",
      index: 0,
      note: expect.stringContaining("no stage does"),
    });
  });

  it("a match-limited canary: the rule's split decides, the catch-all must match", () => {
    const m = plan("v1", "v2", { match: "get('$.session.metadata.tenant') == 'eu'", others: "v1" });
    expect(name(m, m.policies[3]!)).toBe("canary-50");
    const otherCatchAll: Policy = {
      type: "routed",
      rules: [m.policies[3]!.rules[0]!, ...single("v9").rules],
    };
    expect(stageOfPolicy(m, otherCatchAll)).toMatchObject({
      kind: "unmapped",
      reason: expect.stringContaining("rule 2 sends everything to v9"),
    });
  });
});

const T = "2026-12-07T10:00:00.000Z";
const KEY = rolloutKey("support", "v1", "v2");
const rec = (over: Partial<RolloutRecord>): RolloutRecord => ({
  run: "r1",
  by: "ci@runner",
  pid: 7,
  since: Date.parse(T),
  seen: Date.parse(T),
  key: KEY,
  phase: "running",
  stage: "canary-20",
  ...over,
});

describe("where a rollout starts", () => {
  const p = plan();
  const at = (stage: string) => stageOfPolicy(p, p.policies[p.stages.findIndex((s) => s.name === stage)]!);
  const decide = (over: Partial<StartInput>) =>
    decideStart({
      plan: p,
      aliasKey: "support",
      position: at("baseline"),
      configStage: undefined,
      record: undefined,
      holder: "none",
      key: KEY,
      ...over,
    });

  it("where the alias is, whatever config and current: say (and a note says they disagree)", () => {
    expect(decide({ position: at("canary-50"), configStage: "canary-5" })).toEqual({
      action: "start",
      index: 3,
      back: false,
      notes: [
        "stack config says canary-5 and the policy file's current: says canary-20, but the alias serves canary-50 (50/50): the rollout goes on from there",
      ],
    });
    expect(decide({ position: at("canary-20"), configStage: "canary-20" })).toEqual({
      action: "start",
      index: 2,
      back: false,
      notes: [],
    });
  });

  it("a completed rollout run again is complete, whatever config says; no up", () => {
    expect(decide({ position: at("complete"), configStage: "canary-20" })).toMatchObject({
      action: "complete",
      index: 4,
    });
    expect(
      decide({
        position: at("complete"),
        configStage: "complete",
        record: rec({ phase: "ended", outcome: "completed", stage: "complete" }),
      }),
    ).toMatchObject({ action: "complete" });
  });

  it("a move back is refused without --allow-back, says where the alias is and how much moves; allowed, it is marked", () => {
    const r = decide({ position: at("complete"), fromStage: "canary-20" });
    expect(r).toEqual({
      action: "refuse",
      message:
        "the alias 'support' is at complete (0/100); starting at canary-20 (80/20) would send 80% of the canary rule's sessions from v2 back to v1; to do that on purpose add --allow-back (--from-stage canary-20 --allow-back)",
    });
    expect(decide({ position: at("complete"), fromStage: "canary-20", allowBack: true })).toMatchObject({
      action: "start",
      index: 2,
      back: true,
    });
    // Forward needs no consent.
    expect(decide({ position: at("canary-5"), fromStage: "canary-50" })).toMatchObject({
      action: "start",
      index: 3,
      back: false,
    });
    expect(decide({ fromStage: "nope" })).toEqual({
      action: "refuse",
      message:
        "--from-stage: unknown stage 'nope'; the stages are baseline, canary-5, canary-20, canary-50, complete",
    });
  });

  it("no stage of the table: refused, unless --from-stage says where to go, and --allow-back when that moves users back", () => {
    const unmapped = stageOfPolicy(p, weighted(70, 30));
    expect(decide({ position: unmapped })).toMatchObject({
      action: "refuse",
      message: expect.stringMatching(
        /^the alias 'support' serves a policy that is no stage of the table: rule 1 sends v1 70%, v2 30%.*; give --from-stage NAME/,
      ),
    });
    // 30% on v2 now: 80/20 sends 10% of them back, 50/50 moves forward.
    expect(decide({ position: unmapped, fromStage: "canary-20" })).toEqual({
      action: "refuse",
      message:
        "the alias 'support' sends 30% of the canary rule's sessions to v2; starting at canary-20 (80/20) would send 10% of them back to v1; to do that on purpose add --allow-back (--from-stage canary-20 --allow-back)",
    });
    expect(decide({ position: unmapped, fromStage: "canary-20", allowBack: true })).toMatchObject({
      action: "start",
      index: 2,
      back: true,
    });
    expect(decide({ position: unmapped, fromStage: "canary-50" })).toMatchObject({
      action: "start",
      index: 3,
      back: false,
    });
    // Where who moves cannot be told (another agent in the rule), only with consent.
    const other = stageOfPolicy(p, single("v9"));
    expect(decide({ position: other, fromStage: "canary-50" })).toMatchObject({
      action: "refuse",
      message: expect.stringContaining("cannot be told; to deploy it anyway add --allow-back"),
    });
    expect(decide({ position: other, fromStage: "canary-50", allowBack: true })).toMatchObject({
      action: "start",
      index: 3,
    });
  });

  it("no alias yet: --from-stage, else config, else current:", () => {
    const absent = stageOfPolicy(p, null);
    expect(decide({ position: absent })).toMatchObject({ action: "start", index: 2 });
    expect(decide({ position: absent, configStage: "canary-5" })).toMatchObject({
      action: "start",
      index: 1,
    });
    expect(decide({ position: absent, configStage: "gone" })).toMatchObject({ action: "start", index: 2 });
    expect(decide({ position: absent, fromStage: "baseline" })).toMatchObject({ action: "start", index: 0 });
  });

  it("a revert that did not finish, told by the stack's history when the record could not say it", () => {
    expect(
      decide({ position: at("canary-20"), historyRevert: { failed: "canary-20", target: "baseline" } }),
    ).toMatchObject({
      action: "finish_revert",
      target: 0,
      failed: "canary-20",
      notes: [
        expect.stringMatching(
          /^the stack's last update, a rollout's revert that failed, was reverting canary-20 to baseline/,
        ),
      ],
    });
  });

  it("the evidence of an unfinished revert is stale once the alias was moved elsewhere, or when it is another rollout's", () => {
    const aborting = rec({ phase: "aborting", stage: "canary-20", target: "baseline" });
    // Deployed to complete by hand since: going on from where the alias is, no one sent back.
    const moved = decide({ position: at("complete"), record: aborting, holder: "dead" });
    expect(moved).toMatchObject({ action: "complete" });
    expect((moved as { notes: readonly string[] }).notes[0]).toContain(
      "but the alias serves complete (0/100) now (moved since, or another table): going on from where the alias is",
    );
    // Between the failed stage and the target (canary-5): still finished.
    expect(decide({ position: at("canary-5"), record: aborting, holder: "dead" })).toMatchObject({
      action: "finish_revert",
      target: 0,
    });
    // Another rollout's record (v1 -> v2) while this one is v2 -> v3: left aside.
    const next = plan("v2", "v3");
    const r = decideStart({
      plan: next,
      aliasKey: "support",
      position: stageOfPolicy(next, weighted(0, 100)),
      configStage: undefined,
      record: aborting,
      holder: "dead",
      key: rolloutKey("support", "v2", "v3"),
    });
    expect(r).toMatchObject({ action: "start", index: 0 });
    expect((r as { notes: readonly string[] }).notes[0]).toMatch(
      /^the stack's rollout record is of another rollout/,
    );
  });

  it("the last stage interrupted or stopped before its verdict is watched again, not called complete", () => {
    for (const last of [
      rec({ stage: "complete" }),
      rec({ stage: "complete", phase: "ended", outcome: "interrupted" }),
    ]) {
      const r = decide({ position: at("complete"), record: last, holder: "dead" });
      expect(r).toMatchObject({ action: "start", index: 4 });
      expect((r as { notes: readonly string[] }).notes.at(-1)).toMatch(
        /^the last stage, complete, was not judged to the end/,
      );
    }
    expect(
      decide({
        position: at("complete"),
        record: rec({ stage: "complete", phase: "ended", outcome: "completed" }),
      }),
    ).toMatchObject({ action: "complete" });
  });

  it("of two stages that route alike, the one the record names", () => {
    const soak = plan("v1", "v2", {
      current: "canary-50",
      stages: [
        { name: "baseline", weights: [100, 0] },
        { name: "canary-50", weights: [50, 50] },
        { name: "canary-50-soak", weights: [1, 1] },
        { name: "complete", weights: [0, 100] },
      ],
    });
    const position = stageOfPolicy(soak, soak.policies[2]!);
    expect(position).toMatchObject({ kind: "stage", index: 1 });
    const base = {
      plan: soak,
      aliasKey: "support",
      position,
      configStage: undefined,
      holder: "dead" as const,
      key: KEY,
    };
    expect(decideStart({ ...base, record: rec({ stage: "canary-50-soak" }) })).toMatchObject({
      action: "start",
      index: 2,
    });
    expect(decideStart({ ...base, record: undefined })).toMatchObject({ action: "start", index: 1 });
  });

  it("a revert that did not finish (failed, or its process killed) is finished, never the failed stage deployed again", () => {
    const aborting = rec({ phase: "aborting", stage: "canary-20", target: "baseline" });
    // The API still serves the failed canary; config may say anything (a fresh checkout, or the killed run's copy).
    for (const configStage of [undefined, "canary-20", "baseline"])
      expect(decide({ position: at("canary-20"), record: aborting, holder: "dead", configStage })).toEqual({
        action: "finish_revert",
        target: 0,
        failed: "canary-20",
        notes: [
          "a rollout by ci@runner (since 2026-12-07T10:00:00.000Z) was reverting canary-20 to baseline when it stopped; the alias still serves canary-20 (80/20): finishing the revert",
        ],
      });
    // Even when asked to go elsewhere, or when the revert had been deployed before the process died.
    expect(
      decide({ position: at("canary-20"), record: aborting, holder: "dead", fromStage: "complete" }),
    ).toMatchObject({ action: "finish_revert" });
    expect(decide({ position: at("baseline"), record: aborting, holder: "dead" })).toMatchObject({
      action: "finish_revert",
      notes: [expect.stringContaining("the alias already serves baseline")],
    });
  });

  it("a live holder: locked, naming it; a dead one that was running is no obstacle", () => {
    expect(decide({ record: rec({}), holder: "live" })).toEqual({
      action: "locked",
      message:
        "another rollout is running on this stack: ci@runner (pid 7) since 2026-12-07T10:00:00.000Z, last seen 2026-12-07T10:00:00.000Z, running at canary-20; wait for it to end, or stop it",
    });
    expect(decide({ position: at("canary-20"), record: rec({}), holder: "dead" })).toMatchObject({
      action: "start",
      index: 2,
    });
  });
});
