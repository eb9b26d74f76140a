/**
 * Durations and rates as written on the emulator's command lines and in its profiles:
 * `120ms`, `1.5s`, `2m`, `1h`; `50/s`, `3000/m`. Each parser returns undefined for text it
 * does not read, and the caller words the error with the field's name.
 */

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Milliseconds of `120ms`, `1.5s`, `2m`, `1h`; a bare number is in `bare` units. */
export function parseDurationMs(raw: string, bare: "ms" | "s"): number | undefined {
  const m = DURATION_RE.exec(raw.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? bare]!;
  return Number.isFinite(ms) ? ms : undefined;
}

/** `120 ms`, `1.5 s`: a duration for people. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

const RATE_RE = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min|h))?$/;
const PER_S: Readonly<Record<string, number>> = { s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };

/** Events per second of `50/s`, `3000/m`, `100/h`; a bare number is per second. */
export function parseRate(raw: string): number | undefined {
  const m = RATE_RE.exec(raw.trim());
  if (!m) return undefined;
  const rate = Number(m[1]) * PER_S[m[2] ?? "s"]!;
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}
