/**
 * What resolving a routing context yields (ROUTING.md §5): a Resolution, or a RoutingError
 * whose message is exactly the API's; and the shape of a compiled policy.
 */
export type TargetType = "single" | "weighted";

/** Why a session could not be routed. The message is exactly the API's. */
export type RoutingErrorCode =
  /** No rule matched and there was no catch-all (`no rule matched and no catch-all rule was provided`). */
  | "no_match"
  /** A weighted target's partition_by evaluated to null (`partition_by evaluated to null`). */
  | "null_partition"
  /** An expression failed during evaluation (`rule #1: match: cannot compare string with number`). */
  | "evaluation_error"
  /** The document has no `key` and the context no `agent.key`, so there is no hash salt. */
  | "no_alias_key";

/** The part of a rule a routing error is about. */
export type RulePart = "match" | "partition_by";

export class RoutingError extends Error {
  override readonly name = "RoutingError";
  constructor(
    readonly code: RoutingErrorCode,
    message: string,
    /** The 1-based rule the error is about, when there is one. */
    readonly rule?: number,
    /** The part of that rule, when the error is about one (a field, not a message to parse). */
    readonly part?: RulePart,
  ) {
    super(message);
  }
}

/** A routing decision, enough to replay it offline (ROUTING.md §5). */
export interface Resolution {
  agent_key: string;
  /** 1-based number of the rule that matched. */
  rule: number;
  target: TargetType;
  /** The partition string that was hashed (weighted targets only). */
  partition?: string;
}

/** A reusable, mutable result slot for `resolveInto`. */
export interface ResolutionSlot {
  agent_key: string;
  rule: number;
  target: TargetType;
  /** The partition string; undefined for a single target. */
  partition: string | undefined;
}

export interface CompiledPolicy {
  /** The alias key used as the hash salt, when the document has one. */
  readonly aliasKey: string | undefined;
  readonly ruleCount: number;
  /** Resolves one routing context. Throws a RoutingError with the API's exact message. */
  resolve(context: unknown): Resolution;
  /** Like `resolve`, writing into `out` instead of allocating; returns `out`. */
  resolveInto(context: unknown, out: ResolutionSlot): ResolutionSlot;
}

export function newSlot(): ResolutionSlot {
  return { agent_key: "", rule: 0, target: "single", partition: undefined };
}
