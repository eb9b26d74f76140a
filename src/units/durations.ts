/**
 * Durations as this package writes them. `parseDuration` reads the policy grammar (integer
 * parts in the order h, m, s, ms: `1h30m`, `45s`, `500ms`) that canary checks and the CLI's
 * `--interval` take, and `formatDuration` writes it back; `parseDurationMs` reads one decimal
 * quantity with an optional unit (`120ms`, `1.5s`, `2m`, `1h`), as command lines and emulator
 * profiles write latencies. Pure; each parser returns undefined for text it does not read.
 */

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;

/** Milliseconds in an hour, a minute and a second (what the grammars' units stand for). */
export const MS = Object.freeze({ hour: UNIT_MS.h, minute: UNIT_MS.m, second: UNIT_MS.s });

const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Milliseconds of a duration written as integer parts in the order h, m, s, ms, each at most
 * once (`30m`, `45s`, `2h`, `1h30m`, `500ms`, `0s`); undefined for anything else (`30`,
 * `1.5h`, `30 m`, `m30`).
 */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null || text === "") return undefined;
  const [, h, min, s, ms] = m;
  return (
    Number(h ?? 0) * UNIT_MS.h + Number(min ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s + Number(ms ?? 0)
  );
}

/**
 * `40m`, `1h30m`, `45s`, `500ms`, `0s`: a duration in the grammar `parseDuration` reads, to
 * the second from 1s (sub-second parts of longer durations are rounded away).
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return ms <= 0 ? "0s" : `${Math.round(ms)}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
}

const QUANTITY = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/;
const QUANTITY_UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: UNIT_MS.s,
  m: UNIT_MS.m,
  min: UNIT_MS.m,
  h: UNIT_MS.h,
};

/**
 * Milliseconds of one decimal quantity with an optional unit (`120ms`, `1.5s`, `2 m`, `2min`,
 * `1h`; surrounding blanks ignored); a bare number is in `bare` units. Not rounded.
 */
export function parseDurationMs(raw: string, bare: "ms" | "s"): number | undefined {
  const m = QUANTITY.exec(raw.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * QUANTITY_UNIT_MS[m[2] ?? bare]!;
  return Number.isFinite(ms) ? ms : undefined;
}

/** `120 ms`, `1.5 s`: a duration for people. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}
