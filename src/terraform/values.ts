/**
 * Values across the Terraform door, by the schema's attributes: a Terraform object to the
 * core's property map (snake_case names to the tables' names, null attributes left out,
 * unknowns as the core's UNKNOWN marker) and back. Inside a policy the names are the API's
 * on both sides. `keepSame` keeps Terraform's own spelling of a value the core holds equal
 * (the same instant written another way, an object typed as a list or a tuple), so the
 * host never sees a change where the core sees none.
 */
import { UNKNOWN as CORE_UNKNOWN, containsUnknown, same } from "../provider/values.js";
import { camel } from "./names.js";
import { type Attr, attrType } from "./schema.js";
import { fromJson, isObject, type TfType, type TfValue, Typed, toJson, UNKNOWN } from "./types.js";

export type Props = Record<string, unknown>;

/** A Terraform value of `type` from a core value; anything holding the core's UNKNOWN is unknown. */
export function fromCoreValue(v: unknown, type: TfType): TfValue {
  if (v === CORE_UNKNOWN) return UNKNOWN;
  if (v === undefined || v === null) return null;
  if (type === "dynamic") return containsUnknown(v) ? UNKNOWN : fromJson(v, "dynamic");
  if (typeof type === "string") return v as TfValue;
  const [kind, of] = type;
  if (kind === "object" && v !== null && typeof v === "object") {
    const o = v as Props;
    const attrs = of as Record<string, TfType>;
    return Object.fromEntries(Object.entries(attrs).map(([k, t]) => [k, fromCoreValue(o[k], t)]));
  }
  if ((kind === "list" || kind === "set") && Array.isArray(v))
    return v.map((x) => fromCoreValue(x, of as TfType));
  return fromJson(v, type);
}

/** A Terraform object of these attributes as the core's property map. */
export function toCore(value: TfValue, attributes: readonly Attr[]): Props {
  const o = isObject(value) ? value : {};
  const props: Props = {};
  for (const a of attributes) {
    const v = o[a.name];
    if (v !== null && v !== undefined) props[camel(a.name)] = toJson(v, CORE_UNKNOWN);
  }
  return props;
}

/** The core's property map as a Terraform object of these attributes (every attribute, null when absent). */
export function fromCore(props: Props, attributes: readonly Attr[]): { [name: string]: TfValue } {
  return Object.fromEntries(
    attributes.map((a) => [a.name, fromCoreValue(props[camel(a.name)], attrType(a))]),
  );
}

/** A Terraform value as JSON for comparison (unknown stays the core's marker). */
const json = (v: TfValue): unknown => toJson(v, CORE_UNKNOWN);

/**
 * `next` with each attribute the core holds equal to `reference`'s (known) value taken from
 * `reference`: a refresh or apply that changed nothing keeps the state's spelling and types.
 */
export function keepSame(
  next: { [name: string]: TfValue },
  reference: TfValue,
  attributes: readonly Attr[],
): { [name: string]: TfValue } {
  if (!isObject(reference)) return next;
  const out = { ...next };
  for (const a of attributes) {
    const was = reference[a.name] ?? null;
    const now = out[a.name] ?? null;
    if (was === null || was === UNKNOWN || now === UNKNOWN || containsUnknown(json(was))) continue;
    if (now !== null && same(json(was), json(now))) out[a.name] = was;
  }
  return out;
}

/** True when a value is a Terraform object (not null, not unknown). */
export const isKnownObject = (v: TfValue): v is { [name: string]: TfValue } => isObject(v);

export { Typed };
