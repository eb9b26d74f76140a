/**
 * `DynamicValue` in Terraform's wire format (docs/plugin-protocol/object-wire-format.md):
 * msgpack, read and written by the value's schema type. Null is nil; an object is a map
 * holding every attribute; lists, sets and tuples are arrays; a number may arrive as an
 * integer, a float or a decimal string; a value at a `dynamic` place is a pair
 * `[type JSON, value]`. Any extension type is an unknown value (0 is the classic one, 12 a
 * "refined" unknown that newer hosts send); unknowns are written as extension 0. JSON, which
 * hosts may send instead of msgpack, is read too.
 */
import { decode, Encoder, ExtData } from "@msgpack/msgpack";
import { fromJson, isObject, type TfType, type TfValue, Typed, UNKNOWN, WireError } from "./types.js";

const encoder = new Encoder({ ignoreUndefined: false, initialBufferSize: 4096 });
const UNKNOWN_EXT = new ExtData(0, new Uint8Array([0]));

const text = new TextDecoder();
const bytes = new TextEncoder();

/** The JSON type constraint as bytes (the schema's `type` fields, a dynamic value's first half). */
export const typeBytes = (t: TfType): Buffer => Buffer.from(JSON.stringify(t));

function readType(raw: unknown): TfType {
  const json = typeof raw === "string" ? raw : raw instanceof Uint8Array ? text.decode(raw) : undefined;
  if (json === undefined) throw new WireError("a dynamic value's type is neither a string nor bytes");
  return JSON.parse(json) as TfType;
}

/** One decoded msgpack node as a value of type `t`. */
function fromWire(raw: unknown, t: TfType, at: string): TfValue {
  if (raw instanceof ExtData) return UNKNOWN;
  if (raw === null || raw === undefined) return null;
  if (t === "dynamic") {
    if (!Array.isArray(raw) || raw.length !== 2)
      throw new WireError(`${at}: a dynamic value is not [type, value]`);
    const type = readType(raw[0]);
    return new Typed(type, fromWire(raw[1], type, at));
  }
  if (t === "string") return String(raw);
  if (t === "bool") return Boolean(raw);
  if (t === "number") {
    if (typeof raw === "number") return raw;
    if (typeof raw === "bigint") return Number(raw);
    const n = Number(raw);
    if (typeof raw === "string" && raw.trim() !== "" && Number.isFinite(n)) return n;
    throw new WireError(`${at}: not a number`);
  }
  const [kind, of] = t;
  if (kind === "object" || kind === "map") {
    if (typeof raw !== "object" || Array.isArray(raw)) throw new WireError(`${at}: not a map`);
    const m = raw as Record<string, unknown>;
    if (kind === "map")
      return Object.fromEntries(
        Object.entries(m).map(([k, v]) => [k, fromWire(v, of as TfType, `${at}.${k}`)]),
      );
    const attrs = of as Record<string, TfType>;
    return Object.fromEntries(
      Object.entries(attrs).map(([k, at2]) => [k, fromWire(m[k], at2, `${at}.${k}`)]),
    );
  }
  if (!Array.isArray(raw)) throw new WireError(`${at}: not an array`);
  if (kind === "tuple")
    return raw.map((v, i) => fromWire(v, (of as TfType[])[i] ?? "dynamic", `${at}[${i}]`));
  return raw.map((v, i) => fromWire(v, of as TfType, `${at}[${i}]`));
}

/** A value of type `t` as a msgpack-encodable node. */
function toWire(v: TfValue, t: TfType): unknown {
  if (v === UNKNOWN) return UNKNOWN_EXT;
  if (v === null) return null;
  if (t === "dynamic") {
    const typed = v instanceof Typed ? v : undefined;
    if (!typed) throw new WireError("a value at a dynamic place has no type");
    return [bytes.encode(JSON.stringify(typed.type)), toWire(typed.value, typed.type)];
  }
  if (v instanceof Typed) return toWire(v.value, t);
  if (typeof t === "string") return v;
  const [kind, of] = t;
  if (kind === "object") {
    const o = isObject(v) ? v : {};
    const attrs = of as Record<string, TfType>;
    return Object.fromEntries(Object.keys(attrs).map((k) => [k, toWire(o[k] ?? null, attrs[k] as TfType)]));
  }
  if (kind === "map")
    return Object.fromEntries(
      Object.entries(v as object).map(([k, x]) => [k, toWire(x as TfValue, of as TfType)]),
    );
  const list = v as TfValue[];
  if (kind === "tuple") return list.map((x, i) => toWire(x, (of as TfType[])[i] ?? "dynamic"));
  return list.map((x) => toWire(x, of as TfType));
}

/**
 * A JSON-encoded value (hosts may send JSON; raw state is JSON): a value at a dynamic place
 * is `{"value": …, "type": …}`, or plain JSON (typed as HCL would type it). Objects and
 * lists are read member by member, so a dynamic place deeper down is read the same way.
 */
function fromJsonWire(raw: unknown, t: TfType, at: string): TfValue {
  if (raw === null || raw === undefined) return null;
  if (t === "dynamic") {
    const { type, value } = (isObject(raw as TfValue) ? raw : {}) as { type?: unknown; value?: unknown };
    if (type !== undefined && value !== undefined) {
      const parsed = (typeof type === "string" ? JSON.parse(type) : type) as TfType;
      return new Typed(parsed, fromJsonWire(value, parsed, at));
    }
    return fromJson(raw, "dynamic");
  }
  if (typeof t === "string") return fromWire(raw, t, at);
  const [kind, of] = t;
  if (kind === "object" && isObject(raw as TfValue)) {
    const m = raw as Record<string, unknown>;
    const attrs = of as Record<string, TfType>;
    return Object.fromEntries(
      Object.entries(attrs).map(([k, a]) => [k, fromJsonWire(m[k], a, `${at}.${k}`)]),
    );
  }
  if (kind === "map" && isObject(raw as TfValue))
    return Object.fromEntries(
      Object.entries(raw as object).map(([k, v]) => [k, fromJsonWire(v, of as TfType, `${at}.${k}`)]),
    );
  if (!Array.isArray(raw)) throw new WireError(`${at}: not an array`);
  if (kind === "tuple")
    return raw.map((v, i) => fromJsonWire(v, (of as TfType[])[i] ?? "dynamic", `${at}[${i}]`));
  return raw.map((v, i) => fromJsonWire(v, of as TfType, `${at}[${i}]`));
}

/** Reads a DynamicValue as a value of type `t`; an absent value is null. */
export function decodeValue(
  dv: { msgpack?: Uint8Array; json?: Uint8Array } | null | undefined,
  t: TfType,
): TfValue {
  if (dv?.msgpack && dv.msgpack.length > 0) return fromWire(decode(dv.msgpack), t, "value");
  if (dv?.json && dv.json.length > 0) return fromJsonWire(JSON.parse(text.decode(dv.json)), t, "value");
  return null;
}

/** Writes a value of type `t` as a DynamicValue (msgpack). */
export function encodeValue(v: TfValue, t: TfType): { msgpack: Buffer } {
  const encoded = encoder.encode(toWire(v, t));
  return { msgpack: Buffer.from(encoded) };
}
