/**
 * `diff` for both resources, as pure functions over the old outputs and the new inputs.
 * The alias key (and an AliasPolicy's aliasKey) forces a replacement; every other field is
 * updated in place. A value still unknown during preview counts as a change.
 *
 * One comparison decides both what the dynamic provider answers (`changes`, `replaces`) and
 * the native plugin's property-level `detailed` diff: each field is compared in its canonical
 * form (wire/canonical.ts, the API's defaults applied), and the detailed diff walks those same
 * canonical values down to the leaves that differ (`policy.rules[1].targets.options[0].weight`),
 * so a difference the comparison treats as none (`description` absent vs `""`) shows nowhere.
 */

import { isRecord } from "../policy/index.js";
import { ALIAS_FIELDS, type AliasFieldName } from "../wire/index.js";
import { canonical, containsUnknown, diffFields, readAliasState } from "./values.js";

/** The kind of one property's change, as Pulumi's PropertyDiff names it. */
export type PropertyDiffKind =
  | "ADD"
  | "DELETE"
  | "UPDATE"
  | "ADD_REPLACE"
  | "DELETE_REPLACE"
  | "UPDATE_REPLACE";

export interface PropertyDiff {
  kind: PropertyDiffKind;
  /** Compared with the new inputs (always, here: the old side is the state read as inputs). */
  inputDiff: boolean;
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  /** Top-level fields that differ. */
  changed: string[];
  /** Each differing leaf by property path; an unknown value is a change at its own path. */
  detailed: Record<string, PropertyDiff>;
  /** A replacement that keeps the key must delete the old alias first: the key must be free. */
  deleteBeforeReplace: boolean;
}

/** A canonical value: unknown stays the sentinel string, so it differs from anything known. */
const canonicalValue = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(canonical(v)));

/** `a.b`, `a[0]`, or `a["odd key"]` for a key that is not a plain name (Pulumi's property paths). */
function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Walks two canonical values and records each leaf that differs. */
function walk(
  path: string,
  a: unknown,
  b: unknown,
  replace: boolean,
  out: Record<string, PropertyDiff>,
): void {
  const kind = (k: "ADD" | "DELETE" | "UPDATE"): PropertyDiff => ({
    kind: replace ? (`${k}_REPLACE` as PropertyDiffKind) : k,
    inputDiff: true,
  });
  if (a === undefined && b === undefined) return;
  if (a === undefined) {
    out[path] = kind("ADD");
    return;
  }
  if (b === undefined) {
    out[path] = kind("DELETE");
    return;
  }
  // Objects and lists are walked, so a known part that did not change is not reported, and an
  // unknown value is a change at its own path.
  if (isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      walk(join(path, k), a[k], b[k], replace, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(join(path, i), a[i], b[i], replace, out);
    return;
  }
  if (containsUnknown(b) || JSON.stringify(a) !== JSON.stringify(b)) out[path] = kind("UPDATE");
}

/** The result of comparing named fields; `replaceOn` is the field a change of which replaces. */
function compare(fields: [string, unknown, unknown][], replaceOn: string): DiffResult {
  const detailed: Record<string, PropertyDiff> = {};
  const changed: string[] = [];
  for (const [name, before, now] of fields) {
    const a = canonicalValue(before);
    const b = canonicalValue(now);
    const start = Object.keys(detailed).length;
    walk(name, a, b, name === replaceOn, detailed);
    if (Object.keys(detailed).length > start) changed.push(name);
  }
  const replaces = changed.filter((n) => n === replaceOn);
  const key = fields.find(([n]) => n === replaceOn);
  const keyKept = key !== undefined && !containsUnknown(key[2]) && canonical(key[1]) === canonical(key[2]);
  return {
    changes: changed.length > 0,
    replaces,
    changed,
    detailed,
    // Only a replacement forced on an unchanged key (`pulumi up --replace`) needs the key free
    // first; a new key is created before the old alias goes, so callers see no gap.
    deleteBeforeReplace: keyKept,
  };
}

/** The Alias diff: every field the table marks `diff`, with the API's defaults applied on both sides. */
export function diffAlias(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  const before = new Map(diffFields(readAliasState(olds)));
  const replaceOn = Object.entries(ALIAS_FIELDS).find(
    ([, f]) => f.update === "replace",
  )![0] as AliasFieldName;
  return compare(
    diffFields(news).map(([name, now]) => [name, before.get(name), now]),
    replaceOn,
  );
}

export function diffAliasPolicy(olds: Record<string, unknown>, news: Record<string, unknown>): DiffResult {
  return compare(
    [
      ["aliasKey", olds.aliasKey, news.aliasKey],
      ["policy", olds.policy, news.policy],
      ["samples", olds.samples ?? [], news.samples ?? []],
    ],
    "aliasKey",
  );
}
