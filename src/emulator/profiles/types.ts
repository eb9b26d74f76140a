/**
 * What an agent's profile is *(ours)*: its share of errors and their `error_type`s, its
 * latency distribution, its tokens; the defaults every setting falls back to; and the error a
 * bad profile raises. Types and constants only.
 */
import type { TraceErrorType } from "../../wire/index.js";

export type LatencyDistribution = "lognormal" | "normal";
export const DISTRIBUTIONS: readonly LatencyDistribution[] = ["lognormal", "normal"];

/** Latency by its median and 95th percentile, in milliseconds. */
export interface LatencyProfile {
  readonly distribution: LatencyDistribution;
  readonly p50_ms: number;
  readonly p95_ms: number;
}

export interface ErrorTypeWeight {
  readonly type: TraceErrorType;
  readonly weight: number;
}

/** A resolved profile: every setting has its value. */
export interface AgentProfile {
  /** Share of invocations that fail, 0..1. */
  readonly errors: number;
  /** The `error_type` of a failed invocation, drawn by weight. */
  readonly error_types: readonly ErrorTypeWeight[];
  /** `duration_ms` of every invocation, failed or not. */
  readonly latency: LatencyProfile;
  /** `output_tokens` of an invocation that did not fail, uniform in [min, max] (0 when it failed). */
  readonly tokens: { readonly min: number; readonly max: number };
  /** Added to the input's own tokens (a quarter of its characters, rounded up): a prompt's size. */
  readonly input_tokens: number;
}

/** Some settings of a profile: what a spec or a seed entry gives. */
export type ProfilePatch = { -readonly [K in keyof AgentProfile]?: AgentProfile[K] };

/**
 * Which sessions a profile is for: each name is a session metadata key whose value (as text)
 * must equal the one given, or `@alias`, the alias the session was created through. Empty or
 * absent: every session.
 */
export type SessionSelector = Readonly<Record<string, string>>;

/** A profile given for an agent key, or for `*`: every agent; with `when`, only for some sessions. */
export interface AgentProfileEntry {
  readonly key: string;
  readonly profile: ProfilePatch;
  readonly when?: SessionSelector | undefined;
}

/** What a selector reads of a session. */
export interface SessionFacts {
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly alias_key: string | null;
}

/** The selector's name for the session's alias. */
export const ALIAS_SELECTOR = "@alias";

/** The key of the profile every agent starts from. */
export const ALL_AGENTS = "*";

export const PROFILE_LIMITS = Object.freeze({
  /** Longest p50/p95 latency, in milliseconds (an hour). */
  maxLatencyMs: 3_600_000,
  /** Most tokens in a setting. */
  maxTokens: 10_000_000,
});

/** What an agent does without a profile: never fails, answers in ~100 ms (p95 300 ms), ~200 tokens. */
export const DEFAULT_AGENT_PROFILE: AgentProfile = Object.freeze({
  errors: 0,
  error_types: Object.freeze([Object.freeze({ type: "llm_generation_error" as const, weight: 1 })]),
  latency: Object.freeze({ distribution: "lognormal" as const, p50_ms: 100, p95_ms: 300 }),
  tokens: Object.freeze({ min: 100, max: 300 }),
  input_tokens: 0,
});

/** A bad profile: each issue names the setting (`agents[1].profile.errors`, `support-v2: errors`). */
export class ProfileSpecError extends Error {
  override readonly name = "ProfileSpecError";
  readonly code = "invalid_profile" as const;
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => i.message).join("; "));
  }
}
