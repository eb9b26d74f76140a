/**
 * The plugin's values at the gRPC edge: protobuf `Struct` to plain JS and back, with Pulumi's
 * special values. The plugin accepts secrets, so a secret arrives wrapped
 * (`{"4dabf…": "1b47…", value}`); `unwrap` removes every wrapper and remembers where each
 * was, and `rewrap` puts them back at the same places on whatever goes out, so the provider
 * core only ever sees plain values and a secret input stays secret in the outputs. Unknown
 * values (preview) are the string sentinel UNKNOWN on the wire and in the core alike, so they
 * pass through untouched.
 */
import type { CheckResponse } from "@pulumi/pulumi/proto/provider_pb.js";
import { isRecord } from "../policy/index.js";
import { pb } from "./proto.js";

/** google.protobuf.Struct, as the generated stubs type it. */
export type StructType = NonNullable<ReturnType<CheckResponse["getInputs"]>>;

// A Struct must be of the stubs' own class (their copy of google-protobuf) to be serialized,
// so the class is taken from a message the stubs decode: a CheckResponse of `inputs: {}`
// (field 1, length 0) holds an empty Struct.
const Struct = pb.CheckResponse.deserializeBinary(Uint8Array.of(0x0a, 0x00)).getInputs()!
  .constructor as unknown as {
  fromJavaScript(value: Record<string, unknown>): StructType;
};

/** The key that marks a special value, and the value of that key for a secret (Pulumi's rpc.ts). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Where a value sits inside a property map: property names and array indexes. */
export type Path = readonly (string | number)[];

export type Props = Record<string, unknown>;

/** A property map without its secret wrappers, and the paths the wrappers were at. */
export interface Unwrapped {
  props: Props;
  secrets: Path[];
}

export const isSecret = (v: unknown): v is { value?: unknown } => isRecord(v) && v[SIG_KEY] === SECRET_SIG;

/** A value wrapped as a secret. */
export const secret = (value: unknown): Props => ({ [SIG_KEY]: SECRET_SIG, value });

function strip(v: unknown, path: (string | number)[], out: Path[], inSecret: boolean): unknown {
  if (isSecret(v)) {
    // A secret inside a secret is already covered by the outer one.
    if (!inSecret) out.push([...path]);
    return strip(v.value, path, out, true);
  }
  if (Array.isArray(v)) return v.map((e, i) => strip(e, [...path, i], out, inSecret));
  if (isRecord(v)) {
    const o: Props = {};
    for (const [k, e] of Object.entries(v)) o[k] = strip(e, [...path, k], out, inSecret);
    return o;
  }
  return v;
}

/** Removes every secret wrapper from a property map, remembering each one's path. */
export function unwrap(props: Props): Unwrapped {
  const secrets: Path[] = [];
  return { props: strip(props, [], secrets, false) as Props, secrets };
}

/**
 * Marks `props` secret at each path. A path that no longer exists in `props` (an array that
 * got shorter, an object the API reshaped) marks the deepest part of it that does, so nothing
 * that was secret comes out plain; a top-level property that is gone marks nothing.
 */
export function rewrap(props: Props, secrets: readonly Path[]): Props {
  const out = structuredClone(props);
  for (const path of secrets) {
    if (path.length === 0) continue;
    let parent: Record<string | number, unknown> = out;
    let i = 0;
    for (; i < path.length - 1; i++) {
      const next = parent[path[i]!];
      if (isSecret(next)) break;
      if (typeof next !== "object" || next === null || !(path[i + 1]! in next)) break;
      parent = next as Record<string | number, unknown>;
    }
    const at = path[i]!;
    if (!(at in parent) || parent[at] === undefined || isSecret(parent[at])) continue;
    parent[at] = secret(parent[at]);
  }
  return out;
}

/** The value of top-level nulls: absent (a null input means "not set" to every Pulumi SDK). */
export function withoutNulls(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null && v !== undefined));
}

/** A Struct's value as plain JS (an absent Struct is an empty map). */
export function fromStruct(s: StructType | undefined): Props {
  return (s?.toJavaScript() as Props | undefined) ?? {};
}

/** A plain JS property map as a Struct; `undefined` members are left out (JSON has none). */
export function toStruct(props: Props): StructType {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}
