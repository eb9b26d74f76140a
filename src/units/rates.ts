/** Rates as command lines write them: `50/s`, `3000/m`, `100/h`. */

const RATE_RE = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min|h))?$/;
const PER_S: Readonly<Record<string, number>> = { s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 };

/** Events per second of `50/s`, `3000/m`, `100/h`; a bare number is per second. */
export function parseRate(raw: string): number | undefined {
  const m = RATE_RE.exec(raw.trim());
  if (!m) return undefined;
  const rate = Number(m[1]) * PER_S[m[2] ?? "s"]!;
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}
