/**
 * Canonical JSON for comparing values field by field (what was sent with what was read back,
 * desired with actual): object keys sorted, keys whose value is undefined left out as
 * JSON.stringify leaves them out, and any key `skip` names left out too.
 */
export function canonicalFields(v: unknown, skip?: (key: string, value: unknown) => boolean): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map((x) => canonicalFields(x, skip)).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined && !skip?.(k, o[k]))
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalFields(o[k], skip)}`)
    .join(",")}}`;
}

/**
 * Canonical JSON of an alias document or part of one: a rule's `match: null` counts as no
 * match, as the API stores it (its answers read that way: aliases.ts).
 */
export const canonicalDocument = (v: unknown): string =>
  canonicalFields(v, (k, x) => k === "match" && x === null);
