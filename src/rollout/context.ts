/**
 * What the parts of a running rollout share (`RunContext`): the plan, the stack, the API, where
 * the alias is as last read, this run's record, and the run's clock, sleep, interrupts and
 * progress line. Types only, and a few helpers that read them.
 */
import type { CanaryPlan } from "../policy/index.js";
import type { RolloutApi, ServedAlias } from "./api.js";
import type { RolloutEvent } from "./events.js";
import type { Interrupts } from "./interrupts.js";
import type { AliasPosition } from "./position.js";
import type { RolloutRecord } from "./record.js";
import type { SteeredReport } from "./report-types.js";
import type { RolloutStack } from "./stack.js";
import type { RolloutStatusSnapshot } from "./status.js";
import type { SteeringState } from "./steering.js";

export interface RunContext {
  readonly plan: CanaryPlan;
  readonly stack: RolloutStack;
  readonly api: RolloutApi;
  readonly aliasKey: string;
  readonly configKey: string;
  /** The alias as last read (undefined until it exists). */
  alias: ServedAlias | undefined;
  readonly intervalMs: number;
  readonly readAttempts: number;
  readonly maxReadFailures: number;
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly interrupts: Interrupts;
  readonly progress: (line: string) => void;
  /** This run's record, as last written. */
  record: RolloutRecord;
  /** Where the alias is, as last read. */
  deployed: AliasPosition;
  /** The stage in config, as last set or read. */
  configStage: string | undefined;
  /** The verdict kept beside an unfinished revert's evidence (finish_revert). */
  verdict?: string | undefined;
  /** Set when another run took the stack: this one stops at the next step, touching nothing. */
  lost?: string | undefined;
  /** Deploy the first stage and stop, watching nothing (`RolloutOptions.only`). */
  readonly only: boolean;
  /** What steering commands (steering.ts) have asked so far. */
  steering: SteeringState;
  /** The commands acted on, for the report. */
  readonly steered: SteeredReport[];
  /** Each step as an event (events.ts). */
  readonly event: (e: RolloutEvent) => void;
  /** Each status published (status.ts), for a live view. */
  readonly onStatus: (s: RolloutStatusSnapshot) => void;
}

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const weightsOf = (s: CanaryPlan["stages"][number]) => `${s.weights[0]}/${s.weights[1]}`;

/** Where the alias is, as one phrase: `canary-50 (50/50)`, `no stage of the table (…)`, `nothing (no alias)`. */
export function describePosition(plan: CanaryPlan, p: AliasPosition): string {
  if (p.kind === "absent") return "nothing (no alias)";
  if (p.kind === "unmapped") return `no stage of the table (${p.reason})`;
  const s = plan.stages[p.index]!;
  return `${s.name} (${weightsOf(s)})`;
}

/** The name of the stage the alias serves, or null. */
export const deployedName = (ctx: RunContext) =>
  ctx.deployed.kind === "stage" ? ctx.plan.stages[ctx.deployed.index]!.name : null;
