/**
 * Every setting of a profile, declared once (PROFILE_SETTINGS): its spec syntax and help, how
 * it is read from a spec or a seed file's structured form, and how it is written back. The
 * readers return a value or why it is bad; `--help` and `formatProfile` follow from the table.
 */
import { isRecord } from "../../policy/index.js";
import { parseDurationMs } from "../../units/index.js";
import { TRACE_ERROR_TYPES, type TraceErrorType } from "../../wire/index.js";
import {
  type AgentProfile,
  DEFAULT_AGENT_PROFILE,
  DISTRIBUTIONS,
  type ErrorTypeWeight,
  type LatencyDistribution,
  type LatencyProfile,
  PROFILE_LIMITS,
} from "./types.js";

export type Read<T> = { ok: true; value: T } | { ok: false; detail: string };
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

export const SETTING_NAMES = Object.keys(PROFILE_SETTINGS) as (keyof AgentProfile)[];

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

/** A profile as a compact spec with every setting (parseProfileSpec reads it back). */
export function formatProfile(p: AgentProfile): string {
  return SETTING_NAMES.map(
    (n) => `${n}=${(PROFILE_SETTINGS[n].format as (v: unknown) => string)(p[n])}`,
  ).join(",");
}
