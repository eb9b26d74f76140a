/**
 * How the emulator's agents behave in their traces: each input an agent answers is an
 * invocation drawn from its profile. Determinism: the n-th invocation of an agent draws from
 * `drawsFor(seed, agent key, n)` (random.ts), always the same draws in the same order whatever
 * the profile says, so a given `--random-seed` and the same inputs per agent give the same
 * traces (ids included), however concurrent requests interleave; and changing one setting
 * leaves the draws of the others as they were.
 */
import type { TraceErrorType, TraceStatus } from "../../wire/index.js";
import { drawsFor, hash32, standardNormal } from "../random.js";
import { applyProfile, selects } from "./spec.js";
import {
  type AgentProfile,
  type AgentProfileEntry,
  ALL_AGENTS,
  DEFAULT_AGENT_PROFILE,
  type ErrorTypeWeight,
  type LatencyProfile,
  type ProfilePatch,
  type SessionFacts,
} from "./types.js";

/** 1.6449: the 95th percentile of the standard normal distribution. */
const Z95 = 1.6448536269514722;

/** What one invocation came to: the parts of its trace that the profile decides. */
export interface Invocation {
  readonly trace_id: string;
  readonly status: TraceStatus;
  readonly error_type: TraceErrorType | null;
  readonly duration_ms: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function pick(types: readonly ErrorTypeWeight[], u: number): TraceErrorType {
  const total = types.reduce((s, t) => s + t.weight, 0);
  let at = u * total;
  for (const t of types) {
    if (at < t.weight) return t.type;
    at -= t.weight;
  }
  return types[types.length - 1]!.type;
}

function duration(l: LatencyProfile, z: number): number {
  const ms =
    l.distribution === "lognormal"
      ? l.p50_ms === 0
        ? 0
        : l.p50_ms * Math.exp((Math.log(l.p95_ms / l.p50_ms) / Z95) * z)
      : l.p50_ms + ((l.p95_ms - l.p50_ms) / Z95) * z;
  return Math.max(0, Math.round(ms));
}

/**
 * The agents' behaviour in one emulator: the seed, and the profiles given by option
 * (`--agent-profile`, which win) and by the seed file. Shared by every store the app builds
 * (a store rebuilt after a failed write keeps its agents' behaviour). A profile with a selector
 * (`when`) applies, over the agent's own, to the invocations of the sessions it selects: the
 * seed's first, then the options', each in order.
 */
export class AgentBehaviour {
  private readonly given = new Map<string, ProfilePatch>();
  private readonly fromSeed = new Map<string, ProfilePatch>();
  private givenCohorts: AgentProfileEntry[] = [];
  private seedCohorts: AgentProfileEntry[] = [];
  private readonly resolved = new Map<string, { profile: AgentProfile; keyHash: number }>();

  /** `seed`: an integer (its low 32 bits are used). `given`: later entries win, setting by setting. */
  constructor(
    readonly seed: number,
    given: readonly AgentProfileEntry[] = [],
  ) {
    for (const e of given) {
      if (e.when !== undefined && Object.keys(e.when).length > 0) this.givenCohorts.push(e);
      else this.given.set(e.key, { ...this.given.get(e.key), ...e.profile });
    }
  }

  /** The seed file's profiles (under those given as options). */
  setSeedProfiles(entries: readonly AgentProfileEntry[]): void {
    for (const e of entries) {
      if (e.when !== undefined && Object.keys(e.when).length > 0) this.seedCohorts.push(e);
      else this.fromSeed.set(e.key, { ...this.fromSeed.get(e.key), ...e.profile });
    }
    this.resolved.clear();
  }

  private entry(key: string, session?: SessionFacts): { profile: AgentProfile; keyHash: number } {
    const all = [...this.seedCohorts, ...this.givenCohorts];
    const picked: number[] = [];
    if (session !== undefined)
      all.forEach((c, i) => {
        if ((c.key === key || c.key === ALL_AGENTS) && selects(c.when!, session)) picked.push(i);
      });
    const cacheKey = picked.length === 0 ? key : `${key}\u0000${picked.join(",")}`;
    let e = this.resolved.get(cacheKey);
    if (e === undefined) {
      const profile = applyProfile(
        DEFAULT_AGENT_PROFILE,
        this.fromSeed.get(ALL_AGENTS),
        this.given.get(ALL_AGENTS),
        this.fromSeed.get(key),
        this.given.get(key),
        ...picked.map((i) => all[i]!.profile),
      );
      e = { profile, keyHash: hash32(key) };
      this.resolved.set(cacheKey, e);
    }
    return e;
  }

  /** The profile of an agent (for the sessions `session` stands for): its own settings over those of `*` over the defaults, and the selected ones over those. */
  profileOf(agentKey: string, session?: SessionFacts): AgentProfile {
    return this.entry(agentKey, session).profile;
  }

  /**
   * The `n`-th invocation (from 0) of an agent, for an input of `inputChars` characters in
   * `session`: seven draws, always, in this order: failure, error type, two for the latency,
   * tokens, and two for the trace id (`atr_` + 16 hex). The draws depend on the seed, the agent
   * and `n` only; the profile (selected by the session) decides what they come to.
   */
  invocation(agentKey: string, n: number, inputChars: number, session?: SessionFacts): Invocation {
    const { profile: p, keyHash } = this.entry(agentKey, session);
    const r = drawsFor(this.seed, keyHash, n);
    const uFail = r.next();
    const uType = r.next();
    const z = standardNormal(r.next(), r.next());
    const uTokens = r.next();
    const traceId = `atr_${hex8(r.u32())}${hex8(r.u32())}`;
    const failed = uFail < p.errors;
    return {
      trace_id: traceId,
      status: failed ? "error" : "ok",
      error_type: failed ? pick(p.error_types, uType) : null,
      duration_ms: duration(p.latency, z),
      input_tokens: Math.ceil(inputChars / 4) + p.input_tokens,
      output_tokens: failed ? 0 : p.tokens.min + Math.floor(uTokens * (p.tokens.max - p.tokens.min + 1)),
    };
  }
}
