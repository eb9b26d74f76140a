/**
 * The running rollout's side of steering and status: at each check it reads the stack's tags
 * for a new command (steering.ts) and acts on it (`pollSteering`), and after each check it
 * writes its status (status.ts) where `agent-alias rollout status` reads it (`publishStatus`).
 * A tag that cannot be read or written is said once per stage, never a verdict: the rollout goes
 * on as it was. Both run beside the checks, not in their way (`inBackground`): a check takes
 * the steering state as the last read left it and does not wait for its status to be written,
 * so a check's timing is what it was without them. Tag reads and writes of the run are one at a
 * time (`serializedTags`): a backend's tags have no compare-and-set, and two writes at once can
 * lose one.
 */
import type { PlannedStage } from "../policy/index.js";
import { errorText, type RunContext } from "./context.js";
import type { GateEvaluation } from "./gates.js";
import type { RolloutStack } from "./stack.js";
import { encodeStatus, STATUS_TAG, statusOf } from "./status.js";
import { COMMAND_TAG, decodeCommand, describeCommand, type SteeringState, steer } from "./steering.js";

/** The stack with its tag reads and writes made one at a time, in order. */
export function serializedTags(stack: RolloutStack): RolloutStack {
  let last: Promise<unknown> = Promise.resolve();
  const queued = <T>(op: () => Promise<T>): Promise<T> => {
    const next = last.then(op, op);
    last = next.catch(() => undefined);
    return next;
  };
  return Object.assign(Object.create(stack) as RolloutStack, {
    tags: () => queued(() => stack.tags()),
    setTag: (name: string, value: string) => queued(() => stack.setTag(name, value)),
    removeTag: (name: string) => queued(() => stack.removeTag(name)),
  });
}

/**
 * The stack, with what its tags hold as this process last read or wrote them kept in memory
 * (`tags()` of the result reads nothing): a running rollout's own dashboard reads it, so
 * serving the page costs the backend nothing.
 */
export function mirroredTags(stack: RolloutStack): {
  stack: RolloutStack;
  tags: () => Record<string, string>;
} {
  let seen: Record<string, string> = {};
  const mirrored = Object.assign(Object.create(stack) as RolloutStack, {
    tags: async () => {
      seen = { ...(await stack.tags()) };
      return seen;
    },
    setTag: async (name: string, value: string) => {
      await stack.setTag(name, value);
      seen = { ...seen, [name]: value };
    },
    removeTag: async (name: string) => {
      await stack.removeTag(name);
      const { [name]: _, ...rest } = seen;
      seen = rest;
    },
  });
  return { stack: mirrored, tags: () => seen };
}

/**
 * `task` run beside the caller: at most one at a time, the latest asked for next (an older
 * request left waiting is dropped). `flush` waits for what is running and asked for.
 */
export function inBackground(): { run(task: () => Promise<void>): void; flush(): Promise<void> } {
  let running: Promise<void> | undefined;
  let waiting: (() => Promise<void>) | undefined;
  const loop = async () => {
    while (waiting !== undefined) {
      const task = waiting;
      waiting = undefined;
      await task().catch(() => undefined);
    }
    running = undefined;
  };
  return {
    run(task) {
      waiting = task;
      running ??= loop();
    },
    flush: async () => {
      while (running !== undefined) await running;
    },
  };
}

/** What each command does, in the progress line. */
const EFFECT = {
  pause: "no stage change until resume",
  resume: "going on",
  promote: "the rest of the hold is skipped",
  abort: "reverting",
} as const;

/** Reads a new command for this run, acts on it (state, report, progress, event); the state. */
export async function pollSteering(ctx: RunContext, stage: string, warn: (line: string) => void) {
  let tags: Record<string, string>;
  try {
    tags = await ctx.stack.tags();
  } catch (e) {
    warn(`${stage}: could not read steering commands from the stack's tags: ${errorText(e)}`);
    return ctx.steering;
  }
  const command = decodeCommand(tags[COMMAND_TAG]);
  const next = steer(ctx.steering, command, ctx.record.run);
  if (next === null || command === undefined) return ctx.steering;
  ctx.steering = next;
  const force = command.verb === "promote" && command.force === true;
  ctx.steered.push({
    verb: command.verb,
    by: command.by,
    at: new Date(command.at).toISOString(),
    stage,
    reason: command.reason ?? null,
    force,
  });
  ctx.progress(`${stage}: ${describeCommand(command)}: ${EFFECT[command.verb]}`);
  ctx.event({
    event: command.verb,
    stage,
    by: command.by,
    reason: command.reason,
    ...(command.verb === "promote" ? { force } : {}),
  });
  return ctx.steering;
}

/** Writes the status after check `checks` of `stage` (evaluation null: before its first check). */
export async function publishStatus(
  ctx: RunContext,
  stage: PlannedStage,
  began: number,
  checks: number,
  evaluation: GateEvaluation | null,
  warn: (line: string) => void,
): Promise<void> {
  const { plan } = ctx;
  const state: SteeringState = ctx.steering;
  const snapshot = statusOf(
    {
      run: ctx.record.run,
      stage: stage.name,
      weights: [stage.weights[0], stage.weights[1]],
      since: began,
      at: ctx.clock(),
      holdMs: stage.holdMs,
      checks,
      paused: state.paused !== null,
      next: plan.stages[stage.index + 1]?.name ?? null,
      acked: state.handled,
    },
    plan.from,
    plan.to,
    evaluation,
  );
  ctx.onStatus(snapshot);
  try {
    await ctx.stack.setTag(STATUS_TAG, encodeStatus(snapshot));
  } catch (e) {
    warn(`${stage.name}: could not publish the rollout's status in the stack's tags: ${errorText(e)}`);
  }
}

/** A progress function that says each distinct line once (a tag that keeps failing is said once). */
export function onceEach(progress: (line: string) => void): (line: string) => void {
  const said = new Set<string>();
  return (line) => {
    const key = line.replace(/: .*$/, "");
    if (said.has(key)) return;
    said.add(key);
    progress(line);
  };
}
