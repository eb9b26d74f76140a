/**
 * When a stage took effect, by a stack's update history (`stageSinceIn`), pure: what a resumed
 * rollout counts a stage's hold from, so a rollout stopped during a hold does not hold again.
 */
import type { UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import { changesOf } from "./engine-output.js";

/**
 * When `stage` took effect by a stack's history (newest first), or undefined: walking back over
 * successful updates made with `stage` in config (at any of `keys`), the end of the first that
 * changed resources (it put the stage in place), or of the earliest when none did. The walk stops
 * at an update with another stage, one that did not succeed, and a destroy or an import;
 * refreshes, renames and previews are passed over.
 */
export function stageSinceIn(
  history: readonly UpdateSummary[],
  stage: string,
  keys: readonly string[],
): number | undefined {
  let since: number | undefined;
  for (const u of history) {
    if (u.kind === "refresh" || u.kind === "rename" || u.kind === "preview") continue;
    if (u.kind !== "update" || u.result !== "succeeded") break;
    const value = keys.map((k) => u.config[k]?.value).find((v) => v !== undefined);
    if (value !== stage) break;
    const end = new Date(u.endTime).getTime();
    if (!Number.isFinite(end)) break;
    since = end;
    if (changesOf(u.resourceChanges as Record<string, number> | undefined) > 0) break;
  }
  return since;
}

/** The message a rollout's `up` of a stage carries in the stack's history. */
export function upMessage(
  run: string,
  purpose: "deploy" | { revertFrom: string },
  stage: string,
  weights: readonly [number, number],
): string {
  const what = purpose === "deploy" ? "deploy" : `revert ${purpose.revertFrom} to`;
  return `agent-alias rollout ${run}: ${what} ${stage} (${weights[0]}/${weights[1]})`;
}

const REVERT_MESSAGE = /^agent-alias rollout \S+: revert (.+) to (.+) \(\d+\/\d+\)$/;

/**
 * The revert the stack's latest update tried and did not finish (newest first; refreshes,
 * renames and previews passed over), by its message (`upMessage`): the evidence of an abort
 * when the rollout's record could not say it. A killed `up` leaves no history: the record is
 * the evidence then.
 */
export function unfinishedRevertIn(
  history: readonly UpdateSummary[],
): { failed: string; target: string } | undefined {
  for (const u of history) {
    if (u.kind === "refresh" || u.kind === "rename" || u.kind === "preview") continue;
    if (u.kind !== "update" || u.result === "succeeded") return undefined;
    const m = REVERT_MESSAGE.exec(u.message ?? "");
    return m === null ? undefined : { failed: m[1]!, target: m[2]! };
  }
  return undefined;
}
