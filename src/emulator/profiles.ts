/**
 * How the emulator's agents behave *(ours)*: each agent has a profile (its share of errors
 * and their `error_type`s, its latency distribution, its tokens), and every input it answers
 * yields a trace drawn from that profile (API.md "Traces").
 *
 * A profile is written as a compact spec (`--agent-profile KEY=SPEC`, or a string `profile`
 * in the seed file): comma-separated `name=value` settings, each declared once in
 * PROFILE_SETTINGS, which also reads the seed file's structured form and writes `--help`:
 *
 *   errors=0.08,error_types=llm_generation_error:3/stream_error:1,latency=120ms..400ms,tokens=300
 *
 * Settings not given take those of the `*` profile (`--agent-profile '*=…'`), then those of
 * DEFAULT_AGENT_PROFILE. A profile is configuration, not state: it is given at each start and
 * never journaled (the traces it produced are).
 *
 * Determinism: the n-th invocation of an agent draws from `drawsFor(seed, agent key, n)`
 * (random.ts), always the same draws in the same order whatever the profile says, so a given
 * `--random-seed` and the same inputs per agent give the same traces (ids included), however
 * concurrent requests interleave; and changing one setting leaves the draws of the others as
 * they were.
 */

import { isRecord } from "../policy/index.js";
import { TRACE_ERROR_TYPES, type TraceErrorType, type TraceStatus } from "../wire/index.js";
import { drawsFor, hash32, standardNormal } from "./random.js";
import { parseDurationMs } from "./units.js";

export type LatencyDistribution = "lognormal" | "normal";
const DISTRIBUTIONS: readonly LatencyDistribution[] = ["lognormal", "normal"];

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

/** True when `session` has every value `when` names. */
export function selects(when: SessionSelector, session: SessionFacts): boolean {
  for (const [name, want] of Object.entries(when)) {
    const have = name === ALIAS_SELECTOR ? session.alias_key : session.metadata[name];
    if (have === null || have === undefined || typeof have === "object" || String(have) !== want)
      return false;
  }
  return true;
}

const SELECTOR_NAME = /^(@alias|[A-Za-z0-9_.-]{1,100})$/;

/** `tenant=eu,@alias=support` as a selector; issues name the part at fault. */
export function parseSelector(text: string, where: string): SessionSelector {
  const out: Record<string, string> = {};
  const issues: { path: string; message: string }[] = [];
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (eq === -1 || !SELECTOR_NAME.test(name) || Object.hasOwn(out, name)) {
      issues.push({
        path: where,
        message: `${where}: a selector is NAME=VALUE[,NAME=VALUE]… (NAME a metadata key or ${ALIAS_SELECTOR}, each once); got '${part.trim()}'`,
      });
      continue;
    }
    out[name] = part.slice(eq + 1).trim();
  }
  if (issues.length > 0) throw new ProfileSpecError(issues);
  return Object.freeze(out);
}

/** The key of the profile every agent starts from. */
export const ALL_AGENTS = "*";

export const PROFILE_LIMITS = Object.freeze({
  /** Longest p50/p95 latency, in milliseconds (an hour). */
  maxLatencyMs: 3_600_000,
  /** Most tokens in a setting. */
  maxTokens: 10_000_000,
});

/** 1.6449: the 95th percentile of the standard normal distribution. */
const Z95 = 1.6448536269514722;

/** What an agent does without a profile: never fails, answers in ~100 ms (p95 300 ms), ~200 tokens. */
export const DEFAULT_AGENT_PROFILE: AgentProfile = Object.freeze({
  errors: 0,
  error_types: Object.freeze([Object.freeze({ type: "llm_generation_error" as const, weight: 1 })]),
  latency: Object.freeze({ distribution: "lognormal" as const, p50_ms: 100, p95_ms: 300 }),
  tokens: Object.freeze({ min: 100, max: 300 }),
  input_tokens: 0,
});

type Read<T> = { ok: true; value: T } | { ok: false; detail: string };
const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const bad = (detail: string): Read<never> => ({ ok: false, detail });

const got = (v: unknown): string => (typeof v === "string" ? `'${v}'` : JSON.stringify(v));

function readShare(v: unknown): Read<number> {
  const rule = `must be a share from 0 to 1, e.g. 0.08 or 8%; got ${got(v)}`;
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string") {
    const m = /^(\d+(?:\.\d+)?)(%)?$/.exec(v.trim());
    if (!m) return bad(rule);
    n = m[2] === undefined ? Number(m[1]) : Number(m[1]) / 100;
  } else return bad(rule);
  return n >= 0 && n <= 1 ? ok(n) : bad(rule);
}

function readCount(v: unknown, what: string): Read<number> {
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > PROFILE_LIMITS.maxTokens)
    return bad(`${what} must be a whole number from 0 to ${PROFILE_LIMITS.maxTokens}; got ${got(v)}`);
  return ok(n);
}

function errorType(name: string): Read<TraceErrorType> {
  return (TRACE_ERROR_TYPES as readonly string[]).includes(name)
    ? ok(name as TraceErrorType)
    : bad(`unknown error type '${name}' (known: ${TRACE_ERROR_TYPES.join(", ")})`);
}

function readErrorTypes(v: unknown): Read<ErrorTypeWeight[]> {
  let pairs: [string, unknown][];
  if (typeof v === "string")
    pairs = v.split("/").map((part): [string, unknown] => {
      const [name = "", weight] = part.trim().split(":");
      return [name.trim(), weight === undefined ? 1 : weight.trim()];
    });
  else if (Array.isArray(v)) pairs = v.map((name): [string, unknown] => [String(name), 1]);
  else if (isRecord(v)) pairs = Object.entries(v);
  else return bad(`must be TYPE[:WEIGHT]/… or a map of type to weight; got ${got(v)}`);
  if (pairs.length === 0) return bad("must name at least one error type");
  const out: ErrorTypeWeight[] = [];
  for (const [name, w] of pairs) {
    const t = errorType(name);
    if (!t.ok) return t;
    const weight = typeof w === "string" && /^\d+(\.\d+)?$/.test(w) ? Number(w) : w;
    if (typeof weight !== "number" || !(weight > 0) || !Number.isFinite(weight))
      return bad(`the weight of ${name} must be a number above 0; got ${got(w)}`);
    if (out.some((o) => o.type === t.value)) return bad(`names ${name} twice`);
    out.push({ type: t.value, weight });
  }
  return ok(out);
}

function latencyOf(distribution: LatencyDistribution, p50: number, p95: number): Read<LatencyProfile> {
  const max = PROFILE_LIMITS.maxLatencyMs;
  if (!(p50 >= 0 && p95 <= max)) return bad(`latencies must be from 0 to ${max} ms`);
  if (p95 < p50) return bad(`p95 (${p95} ms) must be at least p50 (${p50} ms)`);
  if (distribution === "lognormal" && p50 === 0 && p95 > 0)
    return bad("a lognormal latency needs a p50 above 0 ms (or use normal:)");
  return ok({ distribution, p50_ms: p50, p95_ms: p95 });
}

const LATENCY_RULE = "must be [lognormal:|normal:]P50..P95 or a single duration, e.g. 120ms..400ms";

function readLatency(v: unknown): Read<LatencyProfile> {
  if (typeof v === "number") return latencyOf("lognormal", v, v);
  if (isRecord(v)) {
    const extra = Object.keys(v).filter((k) => !["distribution", "p50_ms", "p95_ms"].includes(k));
    if (extra.length > 0) return bad(`unknown field '${extra[0]}' (known: distribution, p50_ms, p95_ms)`);
    const d = v.distribution ?? "lognormal";
    if (!DISTRIBUTIONS.includes(d as LatencyDistribution))
      return bad(`distribution must be lognormal or normal; got ${got(d)}`);
    const p50 = v.p50_ms;
    const p95 = v.p95_ms ?? p50;
    if (typeof p50 !== "number" || typeof p95 !== "number")
      return bad("p50_ms (and p95_ms, when given) must be numbers of milliseconds");
    return latencyOf(d as LatencyDistribution, p50, p95);
  }
  if (typeof v !== "string") return bad(`${LATENCY_RULE}; got ${got(v)}`);
  let text = v.trim();
  let distribution: LatencyDistribution = "lognormal";
  const colon = text.indexOf(":");
  if (colon !== -1) {
    const d = text.slice(0, colon).trim();
    if (!DISTRIBUTIONS.includes(d as LatencyDistribution))
      return bad(`distribution must be lognormal or normal; got '${d}'`);
    distribution = d as LatencyDistribution;
    text = text.slice(colon + 1);
  }
  const [a = "", b, ...rest] = text.split("..");
  const p50 = parseDurationMs(a, "ms");
  const p95 = b === undefined ? p50 : parseDurationMs(b, "ms");
  if (rest.length > 0 || p50 === undefined || p95 === undefined) return bad(`${LATENCY_RULE}; got ${got(v)}`);
  return latencyOf(distribution, p50, p95);
}

function readTokens(v: unknown): Read<{ min: number; max: number }> {
  const rule = `must be N (uniform from N/2 to 3N/2) or MIN..MAX, whole numbers; got ${got(v)}`;
  let min: unknown;
  let max: unknown;
  if (typeof v === "number") {
    min = Math.round(v / 2);
    max = Math.round((3 * v) / 2);
    if (!Number.isInteger(v)) return bad(rule);
  } else if (isRecord(v)) {
    ({ min, max } = v);
  } else if (typeof v === "string") {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(v);
    if (!m) return bad(rule);
    if (m[2] === undefined) return readTokens(Number(m[1]));
    min = Number(m[1]);
    max = Number(m[2]);
  } else return bad(rule);
  const lo = readCount(min, "min");
  const hi = readCount(max, "max");
  if (!lo.ok) return lo;
  if (!hi.ok) return hi;
  if (hi.value < lo.value) return bad(`max (${hi.value}) must be at least min (${lo.value})`);
  return ok({ min: lo.value, max: hi.value });
}

interface SettingSpec<K extends keyof AgentProfile> {
  /** The value's syntax in a spec, for --help. */
  readonly syntax: string;
  /** For --help (lines of at most ~60 characters; the default is added from DEFAULT_AGENT_PROFILE). */
  readonly help: string;
  /** Reads a value: a spec's text, or a seed file's structured form. */
  readonly read: (v: unknown) => Read<AgentProfile[K]>;
  /** The value as a spec writes it (`read` gives it back). */
  readonly format: (v: AgentProfile[K]) => string;
}

/**
 * Every setting of a profile, declared once: its spec syntax and help, how it is read (from a
 * spec or a seed file) and written back. A field of AgentProfile without an entry does not
 * compile.
 */
export const PROFILE_SETTINGS: { readonly [K in keyof AgentProfile]: SettingSpec<K> } = Object.freeze({
  errors: {
    syntax: "SHARE",
    help: "share of inputs that fail, 0..1 or a percentage: 0.08, 8%",
    read: readShare,
    format: (v) => String(v),
  },
  error_types: {
    syntax: "TYPE[:W]/…",
    help: `error_type of a failure, drawn by weight W (default 1):\n${TRACE_ERROR_TYPES.join(", ")
      .replace(/(.{1,60})(, |$)/g, "$1,\n")
      .replace(/,\n$/, "")}`,
    read: readErrorTypes,
    format: (v) => v.map((t) => (t.weight === 1 ? t.type : `${t.type}:${t.weight}`)).join("/"),
  },
  latency: {
    syntax: "[normal:]P50..P95",
    help: "duration_ms by its median and 95th percentile, lognormal\nunless normal: (clamped at 0); one duration: a constant;\n120ms, 1.5s, a bare number is ms",
    read: readLatency,
    format: (v) => `${v.distribution}:${v.p50_ms}ms..${v.p95_ms}ms`,
  },
  tokens: {
    syntax: "N | MIN..MAX",
    help: "output_tokens of an answer, uniform in MIN..MAX or in\nN/2..3N/2; 0 when it fails",
    read: readTokens,
    format: (v) => `${v.min}..${v.max}`,
  },
  input_tokens: {
    syntax: "N",
    help: "added to input_tokens, the input's characters / 4 rounded up",
    read: (v) => readCount(v, "input_tokens"),
    format: (v) => String(v),
  },
});

const SETTING_NAMES = Object.keys(PROFILE_SETTINGS) as (keyof AgentProfile)[];

/** The settings of a profile as --help lists them. */
export function profileSpecHelp(indent = "  "): string {
  const width = Math.max(...SETTING_NAMES.map((n) => `${n}=${PROFILE_SETTINGS[n].syntax}`.length)) + 2;
  return SETTING_NAMES.map((n) => {
    const head = `${n}=${PROFILE_SETTINGS[n].syntax}`.padEnd(width);
    const setting = PROFILE_SETTINGS[n] as SettingSpec<typeof n>;
    const fallback = (setting.format as (v: unknown) => string)(DEFAULT_AGENT_PROFILE[n]);
    const [first, ...more] = `${setting.help}\n(default ${fallback})`.split("\n");
    return [`${indent}${head}${first}`, ...more.map((l) => `${indent}${" ".repeat(width)}${l}`)].join("\n");
  }).join("\n");
}

/** A bad profile: each issue names the setting (`agents[1].profile.errors`, `support-v2: errors`). */
export class ProfileSpecError extends Error {
  override readonly name = "ProfileSpecError";
  readonly code = "invalid_profile" as const;
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => i.message).join("; "));
  }
}

interface Issue {
  path: string;
  message: string;
}

function setSetting(
  patch: ProfilePatch,
  name: keyof AgentProfile,
  value: unknown,
  where: string,
  issues: Issue[],
) {
  const r = PROFILE_SETTINGS[name].read(value);
  if (r.ok) (patch as Record<string, unknown>)[name] = r.value;
  else issues.push({ path: where, message: `${where}: ${r.detail}` });
}

function unknownSetting(name: string, where: string): Issue {
  return { path: where, message: `${where}: unknown setting '${name}' (known: ${SETTING_NAMES.join(", ")})` };
}

const join = (prefix: string, name: string): string => (prefix === "" ? name : `${prefix}.${name}`);

/**
 * Reads a profile: a compact spec (`errors=0.08,latency=120ms..400ms`) or, from a seed file,
 * an object of the same settings whose values may be structured (`latency: {p50_ms: 120,
 * p95_ms: 400}`, `error_types: {stream_error: 1}`, `tokens: {min: 100, max: 500}`). Issues
 * are prefixed with `where` (a path); an empty list means the patch is good.
 */
export function readProfile(value: unknown, where = ""): { patch: ProfilePatch; issues: Issue[] } {
  const patch: ProfilePatch = {};
  const issues: Issue[] = [];
  if (typeof value === "string") {
    const seen = new Set<string>();
    for (const part of value.split(",")) {
      const item = part.trim();
      if (item === "") continue;
      const eq = item.indexOf("=");
      const name = (eq === -1 ? item : item.slice(0, eq)).trim();
      const at = where === "" ? name : `${where}: ${name}`;
      if (!Object.hasOwn(PROFILE_SETTINGS, name)) {
        issues.push(unknownSetting(name, at));
        continue;
      }
      if (seen.has(name)) {
        issues.push({ path: at, message: `${at}: given twice` });
        continue;
      }
      seen.add(name);
      if (eq === -1) issues.push({ path: at, message: `${at}: needs a value (${name}=…)` });
      else setSetting(patch, name as keyof AgentProfile, item.slice(eq + 1).trim(), at, issues);
    }
    return { patch, issues };
  }
  if (!isRecord(value)) {
    const at = where === "" ? "profile" : where;
    issues.push({ path: at, message: `${at}: must be a spec string or an object of settings` });
    return { patch, issues };
  }
  for (const [name, v] of Object.entries(value)) {
    const at = join(where, name);
    if (!Object.hasOwn(PROFILE_SETTINGS, name)) issues.push(unknownSetting(name, at));
    else setSetting(patch, name as keyof AgentProfile, v, at, issues);
  }
  return { patch, issues };
}

/** A compact spec, checked; throws ProfileSpecError naming each bad setting. */
export function parseProfileSpec(spec: string, where = ""): ProfilePatch {
  const { patch, issues } = readProfile(spec, where);
  if (issues.length > 0) throw new ProfileSpecError(issues);
  return patch;
}

const PROFILE_FLAG = /^\s*(\*|[0-9a-zA-Z_-]{1,50})\s*(?:\[([^\]]*)\])?\s*=(.*)$/s;

/**
 * `KEY[SELECTOR]=SPEC` of `--agent-profile`: KEY an agent key, or `*` for every agent; the
 * optional SELECTOR limits it to some sessions (`support-v2[tenant=eu]=errors=0.2`).
 */
export function parseAgentProfileFlag(raw: string): AgentProfileEntry {
  const m = PROFILE_FLAG.exec(raw);
  if (m === null) {
    throw new ProfileSpecError([
      {
        path: "agent-profile",
        message: `--agent-profile must be KEY[SELECTOR]=SPEC (KEY an agent key or '*'; SELECTOR NAME=VALUE,… on session metadata or ${ALIAS_SELECTOR}), e.g. support-v2=errors=0.08 or 'support-v2[tenant=eu]=errors=0.2'; got '${raw}'`,
      },
    ]);
  }
  const [, key = "", selector, spec = ""] = m;
  const where = `--agent-profile ${key}${selector === undefined ? "" : `[${selector}]`}`;
  const when = selector === undefined ? undefined : parseSelector(selector, where);
  return { key, profile: parseProfileSpec(spec, where), ...(when === undefined ? {} : { when }) };
}

/** A profile as a compact spec with every setting (parseProfileSpec reads it back). */
export function formatProfile(p: AgentProfile): string {
  return SETTING_NAMES.map(
    (n) => `${n}=${(PROFILE_SETTINGS[n].format as (v: unknown) => string)(p[n])}`,
  ).join(",");
}

/** `base` with the settings of each patch, in order. */
export function applyProfile(
  base: AgentProfile,
  ...patches: readonly (ProfilePatch | undefined)[]
): AgentProfile {
  return Object.freeze(Object.assign({}, base, ...patches.filter((p) => p !== undefined)) as AgentProfile);
}

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
