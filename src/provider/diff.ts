/**
 * `diff` for both resources, as pure functions over the old outputs and the new inputs.
 * The alias key (and an AliasPolicy's aliasKey) forces a replacement; every other field is
 * updated in place. A value still unknown during preview counts as a change.
 */
import { ALIAS_FIELDS, type AliasFieldName } from "../wire/index.js";
import { containsUnknown, diffFields, readAliasState, same } from "./values.js";

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  /** Fields that differ, for messages and tests (the engine ignores detailed diffs). */
  changed: string[];
}

function differs(old: unknown, now: unknown): boolean {
  return containsUnknown(now) || !same(old, now);
}

/** The Alias diff: every field the table marks `diff`, with the API's defaults applied on both sides. */
export function diffAlias(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const before = new Map(diffFields(readAliasState(olds)));
  const changed = diffFields(news)
    .filter(([name, now]) => differs(before.get(name), now))
    .map(([name]) => name as string);
  const replaces = changed.filter((name) => ALIAS_FIELDS[name as AliasFieldName].update === "replace");
  return { changes: changed.length > 0, replaces, changed };
}

export function diffAliasPolicy(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const changed: string[] = [];
  if (differs(olds.aliasKey, news.aliasKey)) changed.push("aliasKey");
  if (differs(olds.policy, news.policy)) changed.push("policy");
  if (differs(olds.samples ?? [], news.samples ?? [])) changed.push("samples");
  return { changes: changed.length > 0, replaces: changed.includes("aliasKey") ? ["aliasKey"] : [], changed };
}
