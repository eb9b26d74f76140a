/**
 * `diff` for both resources, as pure functions over the old outputs and the new inputs.
 * The alias key (and an AliasPolicy's aliasKey) forces a replacement; every other field is
 * updated in place. A value still unknown during preview counts as a change.
 */
import { apiFields, containsUnknown, readAliasState, same } from "./values.js";

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  /** Fields that differ, for messages and tests (the engine ignores detailed diffs). */
  changed: string[];
}

function differs(old: unknown, now: unknown): boolean {
  return containsUnknown(now) || !same(old, now);
}

export function diffAlias(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const old = readAliasState(olds);
  const a = apiFields(old);
  const n = apiFields(news);
  const changed: string[] = [];
  if (differs(old.key, news.key)) changed.push("key");
  for (const f of ["name", "description", "enabled", "metadata", "policy"] as const) {
    if (differs(a[f], n[f])) changed.push(f);
  }
  if (differs(old.samples ?? [], news.samples ?? [])) changed.push("samples");
  return { changes: changed.length > 0, replaces: changed.includes("key") ? ["key"] : [], changed };
}

export function diffAliasPolicy(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const changed: string[] = [];
  if (differs(olds.aliasKey, news.aliasKey)) changed.push("aliasKey");
  if (differs(olds.policy, news.policy)) changed.push("policy");
  if (differs(olds.samples ?? [], news.samples ?? [])) changed.push("samples");
  return { changes: changed.length > 0, replaces: changed.includes("aliasKey") ? ["aliasKey"] : [], changed };
}
