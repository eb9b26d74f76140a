/**
 * This run's hold on the stack: its record in the stack's tags (record.ts), written when the run
 * takes the stack, at each phase, and every minute while it runs (`startHeartbeat`), so another
 * machine can tell it is alive. Every write after the first checks the record is still this
 * run's: when another run took the stack, this one is told (`ctx.lost`) and writes nothing.
 * Taking the stack writes the record, waits `SETTLE_MS`, and reads it back: of two runs that
 * start together, the one whose write lands last goes on (tags have no compare-and-set; Pulumi's
 * own update lock still keeps two `up`s apart).
 */
import { errorText, type RunContext } from "./context.js";
import {
  decodeRecord,
  encodeRecord,
  ROLLOUT_TAG,
  type RolloutOutcome,
  type RolloutRecord,
} from "./record.js";

/** How long a run waits after writing its record before reading it back. */
export const SETTLE_MS = 1500;
/** How often a running rollout says it is alive. */
export const HEARTBEAT_MS = 60_000;

/** The stack's record, or undefined when it cannot be read. */
async function current(ctx: RunContext): Promise<RolloutRecord | undefined> {
  return decodeRecord((await ctx.stack.tags())[ROLLOUT_TAG]);
}

/**
 * Writes this run's record with `patch`: after the first write, only while the stack's record is
 * still this run's. A failed write is said, not thrown, unless `must` (then it throws).
 */
export async function writeRecord(
  ctx: RunContext,
  patch: Partial<RolloutRecord>,
  must = false,
): Promise<void> {
  if (ctx.lost !== undefined) return;
  const next: RolloutRecord = { ...ctx.record, ...patch, seen: ctx.clock() };
  try {
    const now = await current(ctx);
    if (now !== undefined && now.run !== ctx.record.run) {
      ctx.lost = `another rollout took the stack: ${now.by} (pid ${now.pid}), ${now.phase} at ${now.stage}`;
      ctx.progress(ctx.lost);
      return;
    }
    await ctx.stack.setTag(ROLLOUT_TAG, encodeRecord(next));
    ctx.record = next;
  } catch (e) {
    if (must) throw e;
    ctx.progress(`could not update the rollout record in the stack's tags: ${errorText(e)}`);
  }
}

/** Takes the stack: writes the record, then reads it back after SETTLE_MS. A message when another run has it. */
export async function takeStack(ctx: RunContext, patch: Partial<RolloutRecord>): Promise<string | undefined> {
  const next: RolloutRecord = { ...ctx.record, ...patch, seen: ctx.clock() };
  await ctx.stack.setTag(ROLLOUT_TAG, encodeRecord(next));
  ctx.record = next;
  await ctx.sleep(SETTLE_MS);
  const back = await current(ctx);
  if (back?.run === ctx.record.run) return undefined;
  return `another rollout took the stack at the same time: ${back?.by ?? "?"} (pid ${back?.pid ?? "?"})`;
}

/** Ends this run's record with `outcome` (unless another run has the stack). */
export const endRecord = (ctx: RunContext, outcome: RolloutOutcome) =>
  writeRecord(ctx, { phase: "ended", outcome, target: undefined });

/** Says the run is alive every HEARTBEAT_MS until the returned function is called. */
export function startHeartbeat(ctx: RunContext): () => void {
  const timer = setInterval(() => void writeRecord(ctx, {}), HEARTBEAT_MS);
  return () => clearInterval(timer);
}
