/**
 * Terraform's types and values as the door holds them. A type is the JSON type constraint
 * of the protocol (`"string"`, `["list","string"]`, `["object",{...}]`); a value is plain JS
 * (null, string, number, boolean, arrays for lists, sets and tuples, objects for maps and
 * objects) with `UNKNOWN` where the host does not know it yet, and `Typed` where the schema
 * says `dynamic` (the value carries its own type, as the wire does).
 */

/** A request the provider cannot read: a value not of the schema's type, an unknown type name. */
export class WireError extends Error {
  override readonly name = "WireError";
  readonly code = "invalid_value" as const;
}

/** The entry `name` of a door's table (`resource type`, `data source`), or a WireError naming what there is. */
export function lookup<T>(table: ReadonlyMap<string, T>, name: string, what: string): T {
  const found = table.get(name);
  if (found === undefined)
    throw new WireError(`unknown ${what} '${name}': this provider has ${[...table.keys()].join(", ")}`);
  return found;
}

export type TfType =
  | "string"
  | "number"
  | "bool"
  | "dynamic"
  | readonly ["list" | "set" | "map", TfType]
  | readonly ["object", Readonly<Record<string, TfType>>]
  | readonly ["tuple", readonly TfType[]];

/** A value the host does not know yet (a plan-time unknown). */
export const UNKNOWN: unique symbol = Symbol("terraform unknown");

export type TfValue =
  | null
  | typeof UNKNOWN
  | string
  | number
  | boolean
  | TfValue[]
  | { [name: string]: TfValue }
  | Typed;

/** A value at a `dynamic` place: its concrete type travels with it. */
export class Typed {
  constructor(
    readonly type: TfType,
    readonly value: TfValue,
  ) {}
}

export const isUnknown = (v: unknown): v is typeof UNKNOWN => v === UNKNOWN;

export const isObject = (v: unknown): v is { [name: string]: TfValue } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Typed);

/** True when `v` is, or holds, an unknown value. */
export function holdsUnknown(v: TfValue): boolean {
  if (v === UNKNOWN) return true;
  if (v instanceof Typed) return holdsUnknown(v.value);
  if (Array.isArray(v)) return v.some(holdsUnknown);
  if (isObject(v)) return Object.values(v).some(holdsUnknown);
  return false;
}

/**
 * The type Terraform gives a JSON value written in HCL: objects for objects, tuples for
 * arrays, `number`, `string`, `bool`; null is `dynamic` (cty's null of unknown type).
 */
export function typeOfJson(v: unknown): TfType {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return ["tuple", v.map(typeOfJson)];
  if (v !== null && typeof v === "object")
    return ["object", Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeOfJson(x)]))];
  return "dynamic";
}

/** A plain JSON value (what the core takes) as a value of type `type`; `dynamic` wraps it with its own type. */
export function fromJson(v: unknown, type: TfType): TfValue {
  if (v === undefined || v === null) return null;
  if (type === "dynamic") return new Typed(typeOfJson(v), fromJson(v, typeOfJson(v)));
  if (typeof type === "string") return v as TfValue;
  const [kind, of] = type;
  if (kind === "object") {
    const o = (v ?? {}) as Record<string, unknown>;
    const attrs = of as Record<string, TfType>;
    return Object.fromEntries(Object.entries(attrs).map(([k, t]) => [k, fromJson(o[k], t)]));
  }
  if (kind === "tuple") return (v as unknown[]).map((x, i) => fromJson(x, (of as TfType[])[i] ?? "dynamic"));
  if (kind === "map")
    return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, fromJson(x, of as TfType)]));
  return (v as unknown[]).map((x) => fromJson(x, of as TfType));
}

/**
 * A value as plain JSON for the core: `Typed` unwrapped, and an object member that is null
 * left out (Terraform writes every attribute; the core reads an absent one as not given).
 * Unknown values become `unknown` (the core's own marker).
 */
export function toJson(v: TfValue, unknown: unknown): unknown {
  if (v === UNKNOWN) return unknown;
  if (v instanceof Typed) return toJson(v.value, unknown);
  if (Array.isArray(v)) return v.map((x) => toJson(x, unknown));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = toJson(x, unknown);
    return out;
  }
  return v;
}

/** The type of an object attribute, or of the elements of a collection. */
export function attributeType(type: TfType, name: string): TfType | undefined {
  if (typeof type === "string" || type[0] !== "object") return undefined;
  return (type[1] as Record<string, TfType>)[name];
}
