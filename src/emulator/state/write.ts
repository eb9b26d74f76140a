/**
 * What every write shares: the body it is given must be an object, a PATCH names the fields
 * it replaces, and a write applies its record at once and hands it back to be journaled.
 */
import type { CheckedPolicy } from "../../policy/index.js";
import { isRecord } from "../../policy/index.js";
import { invalid } from "../errors.js";
import { apply } from "./apply.js";
import type { JournalRecord, WriteResult } from "./records.js";
import type { Tables } from "./tables.js";

export function requireObject(body: unknown): Record<string, unknown> {
  if (isRecord(body)) return body;
  throw invalid([{ path: "body", message: `body: must be a JSON object` }]);
}

/**
 * The fields a PATCH names (API.md: a PATCH replaces the fields it names, metadata whole):
 * those of a parsed body that are not undefined.
 */
export function namedFields<T extends object>(body: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Applies `record` and returns it with the body to answer. */
export function write<T>(
  t: Tables,
  record: JournalRecord,
  value: T,
  checked?: CheckedPolicy,
): WriteResult<T> {
  apply(t, record, checked);
  return { records: [record], value };
}
