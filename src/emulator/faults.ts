/**
 * Fault injection for testing clients' retries (API.md "What the emulator adds").
 *
 * Spec string (`--faults`): comma-separated `name=value` settings,
 *   `rate=0.2,status=503,retry_after=1,latency=50ms,latency_rate=0.5,reset=0.05,seed=42,ops=traces`
 * with the meanings of `faultConfigSchema` in the wire types (`latency` takes `ms` or `s`;
 * a bare number is milliseconds; `ops` lists operations or groups joined by `+`, e.g.
 * `ops=traces.list+sessions`). Each API call the faults apply to draws from a seeded generator
 * (mulberry32), so a given seed and sequence of those calls meets the same faults on every run.
 */

import { parseDurationMs } from "../units/index.js";
import {
  coversOperation,
  type FaultConfig,
  type FaultConfigBody,
  faultConfigBodySchema,
  faultConfigSchema,
} from "../wire/index.js";
import { EMULATOR_LIMITS } from "./limits.js";
import { zodIssues } from "./validation.js";

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  rate: 0,
  status: 503,
  retry_after: EMULATOR_LIMITS.defaultRetryAfter,
  reset: 0,
  latency_ms: 0,
  latency_rate: 1,
  seed: null,
  operations: null,
});

/** Thrown for a bad spec string or body; `issues` name each bad setting. */
export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
  readonly code = "invalid_faults" as const;
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => i.message).join("; "));
  }
}

/** A full configuration from a (validated) body: omitted settings take NO_FAULTS's values. */
export function faultConfig(body: unknown): FaultConfig {
  const r = faultConfigBodySchema.safeParse(body);
  if (!r.success) throw new FaultSpecError(zodIssues(r.error, body));
  const c = { ...NO_FAULTS, ...definedOnly(r.data) };
  return faultConfigSchema.parse(c);
}

function definedOnly(o: FaultConfigBody): Partial<FaultConfig> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<FaultConfig>;
}

const SPEC_NAMES: Readonly<Record<string, keyof FaultConfig>> = {
  rate: "rate",
  status: "status",
  retry_after: "retry_after",
  reset: "reset",
  latency: "latency_ms",
  latency_ms: "latency_ms",
  latency_rate: "latency_rate",
  seed: "seed",
  ops: "operations",
  operations: "operations",
};

/** Parses `rate=0.2,latency=50ms,…`; throws FaultSpecError naming the bad setting. */
export function parseFaultSpec(spec: string): FaultConfig {
  const body: Record<string, number | string[]> = {};
  const issues: { path: string; message: string }[] = [];
  for (const part of spec.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = (eq === -1 ? item : item.slice(0, eq)).trim();
    const raw = eq === -1 ? "" : item.slice(eq + 1).trim();
    const field = Object.hasOwn(SPEC_NAMES, name) ? SPEC_NAMES[name] : undefined;
    if (field === undefined) {
      issues.push({
        path: name,
        message: `faults: unknown setting '${name}' (known: ${Object.keys(SPEC_NAMES).join(", ")})`,
      });
      continue;
    }
    if (field === "operations") {
      if (raw === "") {
        issues.push({
          path: name,
          message: `faults: ${name}: must name at least one operation (leave ${name} out for every API call)`,
        });
        continue;
      }
      body.operations = raw.split("+").map((o) => o.trim());
      continue;
    }
    const value =
      field === "latency_ms"
        ? Math.round(parseDurationMs(raw, "ms") ?? Number.NaN)
        : raw === ""
          ? Number.NaN
          : Number(raw);
    if (!Number.isFinite(value)) {
      issues.push({
        path: name,
        message: `faults: ${name}: '${raw}' is not a ${field === "latency_ms" ? "duration" : "number"}`,
      });
      continue;
    }
    body[field] = value;
  }
  if (issues.length > 0) throw new FaultSpecError(issues);
  try {
    return faultConfig(body);
  } catch (e) {
    if (e instanceof FaultSpecError) {
      throw new FaultSpecError(e.issues.map((i) => ({ path: i.path, message: `faults: ${i.message}` })));
    }
    throw e;
  }
}

/** What to do to one API call. */
export type FaultDecision = { kind: "none" | "reset" | "status"; latencyMs: number };

/** Seeded dice: mulberry32, a small, fast, well-mixed 32-bit generator. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault injector: its configuration, its dice and what it has done. */
export class Faults {
  private cfg: FaultConfig = NO_FAULTS;
  private random: () => number = Math.random;
  readonly injected = { calls: 0, status: 0, reset: 0, latency: 0 };

  constructor(config?: FaultConfig) {
    if (config) this.configure(config);
  }

  get config(): FaultConfig {
    return this.cfg;
  }

  /** Whether any fault can happen (the hot path skips the dice otherwise). */
  get active(): boolean {
    return this.cfg.rate > 0 || this.cfg.reset > 0 || this.cfg.latency_ms > 0;
  }

  configure(config: FaultConfig): void {
    this.cfg = config;
    this.random = config.seed === null ? Math.random : mulberry32(config.seed);
  }

  /** Whether calls of `operation` meet faults (every API call when `operations` is null). */
  applies(operation: string | undefined): boolean {
    const ops = this.cfg.operations;
    if (ops === null) return true;
    return operation !== undefined && ops.some((o) => coversOperation(o, operation));
  }

  /**
   * Draws the fault for one API call of `operation`: two draws per call it applies to, always,
   * so a seed replays exactly; a call of another operation draws nothing and meets nothing.
   */
  decide(operation?: string): FaultDecision {
    const c = this.cfg;
    if (!this.applies(operation)) return { kind: "none", latencyMs: 0 };
    this.injected.calls++;
    const u = this.random();
    const v = this.random();
    const latencyMs = c.latency_ms > 0 && v < c.latency_rate ? c.latency_ms : 0;
    if (latencyMs > 0) this.injected.latency++;
    if (u < c.reset) {
      this.injected.reset++;
      return { kind: "reset", latencyMs };
    }
    if (u < c.reset + c.rate) {
      this.injected.status++;
      return { kind: "status", latencyMs };
    }
    return { kind: "none", latencyMs };
  }
}
