/**
 * Where a serialized request nests too deep (unreadable.ts): `deepestPath` walks the raw
 * protobuf bytes without recursion, reading every length-delimited field of the request as a
 * `google.protobuf.Struct`, and names the first property that nests deeper than the API takes
 * (API_LIMITS.jsonDepth, 64 levels), so a refusal can say where (`metadata.a.a…`).
 */
import { API_LIMITS } from "../wire/index.js";

type PathPart = string | number;

interface Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;
}

/** A varint, or -1 when the bytes end inside one (a malformed message). */
function varint(r: Reader): number {
  let result = 0;
  let shift = 0;
  while (r.pos < r.end) {
    const b = r.buf[r.pos++]!;
    if (shift < 49) result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
  return -1;
}

interface Field {
  readonly number: number;
  readonly wire: number;
  /** For length-delimited fields: where the bytes are. */
  readonly start: number;
  readonly end: number;
}

/** The fields of a message between `start` and `end`; null when the bytes are not a message. */
function fields(buf: Uint8Array, start: number, end: number): Field[] | null {
  const r: Reader = { buf, pos: start, end };
  const out: Field[] = [];
  while (r.pos < end) {
    const tag = varint(r);
    if (tag <= 0) return null;
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      if (varint(r) < 0) return null;
      out.push({ number, wire, start: r.pos, end: r.pos });
    } else if (wire === 1 || wire === 5) {
      r.pos += wire === 1 ? 8 : 4;
      if (r.pos > end) return null;
      out.push({ number, wire, start: r.pos, end: r.pos });
    } else if (wire === 2) {
      const n = varint(r);
      if (n < 0 || r.pos + n > end) return null;
      out.push({ number, wire, start: r.pos, end: r.pos + n });
      r.pos += n;
    } else return null;
  }
  return out;
}

interface Frame {
  readonly kind: "struct" | "list" | "value";
  readonly start: number;
  readonly end: number;
  /** JSON levels: the request's property map is level 1. */
  readonly depth: number;
  readonly path: readonly PathPart[];
}

const decoder = new TextDecoder();

/** The first path under which `bytes` (read as a Struct) nests deeper than `limit`, or null. */
function tooDeepIn(buf: Uint8Array, start: number, end: number, limit: number): PathPart[] | null {
  const stack: Frame[] = [{ kind: "struct", start, end, depth: 1, path: [] }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const fs = fields(buf, f.start, f.end);
    if (fs === null) return null;
    if (f.kind === "struct") {
      // map<string, Value> fields = 1: entries of key (1) and value (2).
      for (let i = fs.length - 1; i >= 0; i--) {
        const entry = fs[i]!;
        if (entry.number !== 1 || entry.wire !== 2) continue;
        const parts = fields(buf, entry.start, entry.end);
        if (parts === null) return null;
        const key = parts.find((p) => p.number === 1 && p.wire === 2);
        const value = parts.find((p) => p.number === 2 && p.wire === 2);
        if (value === undefined) continue;
        const name = key === undefined ? "" : decoder.decode(buf.subarray(key.start, key.end));
        stack.push({
          kind: "value",
          start: value.start,
          end: value.end,
          depth: f.depth,
          path: [...f.path, name],
        });
      }
    } else if (f.kind === "list") {
      // repeated Value values = 1.
      let index = 0;
      const values: Frame[] = [];
      for (const v of fs)
        if (v.number === 1 && v.wire === 2)
          values.push({
            kind: "value",
            start: v.start,
            end: v.end,
            depth: f.depth,
            path: [...f.path, index++],
          });
      stack.push(...values.reverse());
    } else {
      // Value: struct_value = 5, list_value = 6 (the others are scalars).
      for (const v of fs) {
        if (v.wire !== 2 || (v.number !== 5 && v.number !== 6)) continue;
        const depth = f.depth + 1;
        if (depth > limit) return [...f.path];
        stack.push({
          kind: v.number === 5 ? "struct" : "list",
          start: v.start,
          end: v.end,
          depth,
          path: f.path,
        });
      }
    }
  }
  return null;
}

/**
 * The path of the first property nested deeper than `limit` levels (the API's, by default) in
 * any Struct field of a serialized request, cut to `limit` parts; null when none is found.
 */
export function deepestPath(bytes: Uint8Array, limit: number = API_LIMITS.jsonDepth): PathPart[] | null {
  const top = fields(bytes, 0, bytes.length);
  if (top === null) return null;
  for (const f of top) {
    if (f.wire !== 2) continue;
    const path = tooDeepIn(bytes, f.start, f.end, limit);
    if (path !== null) return path.slice(0, limit);
  }
  return null;
}
