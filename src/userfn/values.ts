/**
 * Runtime values of UserFn. Numbers, strings, booleans and null are JavaScript primitives;
 * datetimes and durations are small immutable classes; JSON arrays and objects read by `get`
 * are kept as they are (comparable for equality only).
 */

/** The farthest a datetime may be from 1970-01-01, in ms (ECMAScript's Date range, ROUTING.md §3 rule 4). */
export const MAX_DATETIME_MS = 8.64e15;

/** Deepest JSON value compared or hashed (`==` of objects, a partition that is an object). */
export const MAX_VALUE_DEPTH = 256;

/** A value nested deeper than MAX_VALUE_DEPTH levels (or cyclic), met while comparing or hashing it. */
export class ValueDepthError extends Error {
  override readonly name = "ValueDepthError";
  readonly code = "value_too_deep" as const;
  constructor() {
    super(`value nested deeper than ${MAX_VALUE_DEPTH} levels (or cyclic)`);
  }
}

/** A datetime at `ms`, or null when that is outside what a datetime can hold. */
export function dateTimeOrNull(ms: number): DateTime | null {
  return Math.abs(ms) <= MAX_DATETIME_MS ? new DateTime(ms) : null;
}

/** A duration of `seconds`, or null when it is not finite or longer than a datetime can span. */
export function durationOrNull(seconds: number): Duration | null {
  return Math.abs(seconds * 1000) <= MAX_DATETIME_MS ? new Duration(seconds) : null;
}

export class DateTime {
  /** Milliseconds since the Unix epoch, UTC. */
  constructor(readonly ms: number) {}
  toISOString(): string {
    return new Date(this.ms).toISOString();
  }
}

export class Duration {
  /** Length in seconds (may be fractional or negative). */
  constructor(readonly seconds: number) {}
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type Value = null | boolean | number | string | DateTime | Duration | readonly unknown[] | object;

export type ValueType =
  | "number"
  | "string"
  | "boolean"
  | "null"
  | "datetime"
  | "duration"
  | "array"
  | "object";

export function typeOf(v: unknown): ValueType {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "number":
      return "number";
    case "string":
      return "string";
    case "boolean":
      return "boolean";
  }
  if (v instanceof DateTime) return "datetime";
  if (v instanceof Duration) return "duration";
  return Array.isArray(v) ? "array" : "object";
}

/**
 * Deep equality by value for JSON arrays and objects (own keys only). Throws ValueDepthError
 * past MAX_VALUE_DEPTH levels (a cyclic value never ends).
 */
export function jsonEquals(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (depth >= MAX_VALUE_DEPTH) throw new ValueDepthError();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (
      !Object.hasOwn(b, k) ||
      !jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Compares strings by Unicode code point (JavaScript's `<` compares UTF-16 code units, which
 * orders U+E000..U+FFFF after astral characters). Returns <0, 0 or >0.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Move surrogates (D800-DFFF) above E000-FFFF so code-unit order becomes code-point order.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Canonical JSON: object keys sorted, no spaces. Datetimes become their ISO-8601 string,
 * durations their length in seconds. Throws ValueDepthError past MAX_VALUE_DEPTH levels.
 */
export function canonicalJson(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? JSON.stringify(v) : "null";
    case "boolean":
      return v ? "true" : "false";
  }
  if (v instanceof DateTime) return JSON.stringify(v.toISOString());
  if (v instanceof Duration) return canonicalJson(v.seconds);
  if (depth >= MAX_VALUE_DEPTH) throw new ValueDepthError();
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x, depth + 1)).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], depth + 1)}`).join(",")}}`;
}

/** The CLI/`evaluate` encoding of a value: `{type, value}` (CLI.md, `eval`). */
export function encodeValue(v: unknown): { type: ValueType; value: unknown } {
  const type = typeOf(v);
  switch (type) {
    case "datetime":
      return { type, value: (v as DateTime).toISOString() };
    case "duration":
      return { type, value: (v as Duration).seconds };
    case "null":
      return { type, value: null };
    default:
      return { type, value: v };
  }
}

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Parses an ISO-8601 date or date-time (UTC when no offset is given). Returns null when invalid. */
export function parseIsoDateTime(s: string): DateTime | null {
  const m = ISO_DATETIME.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", sec = "0", frac = "", tz = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  let ms =
    Date.UTC(year, month - 1, day, hour, minute, second) +
    (frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (tz !== "Z" && tz !== "z") {
    const sign = tz[0] === "-" ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    const offH = Number(digits.slice(0, 2));
    const offM = Number(digits.slice(2) || "0");
    if (offH > 23 || offM > 59) return null;
    ms -= sign * (offH * 60 + offM) * 60_000;
  }
  return Number.isFinite(ms) ? dateTimeOrNull(ms) : null;
}
