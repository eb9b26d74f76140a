/**
 * Readers of definite `get` paths: a path parsed once into steps becomes a closure that walks
 * a routing context by own properties only, null for anything missing (ROUTING.md §3).
 */
import type { Evaluator } from "./evaluator.js";
import { memberLoad } from "./member.js";
import { parsePath } from "./path.js";
import type { Value } from "./values.js";

/** A reader of one definite path (as `get(path)` reads it: missing and JSON null are null). */
export function compilePathReader(path: string): Evaluator {
  return makeReader(parsePath(path));
}

/**
 * When every step of a definite path is a member name that is not a property of
 * Object.prototype: a reader of the object its last step reads from (null when a step is
 * missing or that is not an object), a `parentId` equal for paths with the same parent steps,
 * and the last step (`key`). `get(path)` is then `parent === null ? null : present(parent[key])`.
 */
export function memberPath(
  path: string,
): { parentId: string; parent: (context: unknown) => Record<string, unknown> | null; key: string } | null {
  const steps = parsePath(path);
  if (steps.length === 0 || !steps.every(isPlainName)) return null;
  const parentSteps = steps.slice(0, -1);
  const read = makeReader(parentSteps);
  return {
    parentId: JSON.stringify(parentSteps),
    parent: (context) => {
      const o = read(context);
      return isRecord(o) ? o : null;
    },
    key: steps[steps.length - 1] as string,
  };
}

/** A member name (not an array index) that no plain object inherits: `o[name]` reads only an own property. */
const isPlainName = (s: string | number): s is string => typeof s === "string" && !(s in Object.prototype);
/**
 * A plain object (JSON's, or one of null prototype): what `get` descends into. Other objects
 * (a Date, a class instance, a Map, an array) read as having no members, so nothing they
 * inherit is read and no inherited getter runs (ROUTING.md §3: own properties only). The
 * `constructor` test first: for JSON objects it is one monomorphic load, where
 * Object.getPrototypeOf on every step doubled the time of a three-step read.
 */
const isRecord = (o: unknown): o is Record<string, unknown> =>
  typeof o === "object" &&
  o !== null &&
  ((o as { constructor?: unknown }).constructor === Object || plainPrototype(o));
const plainPrototype = (o: object): boolean => {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
};
/** What `get` answers for a value read: missing (undefined) and non-finite numbers are null. */
export const present = (o: unknown): Value =>
  o === undefined || (typeof o === "number" && !Number.isFinite(o)) ? null : (o as Value);

/**
 * Builds a reader for definite path steps. Strings descend into plain objects by own
 * property only (so `__proto__`, `constructor`, `prototype` read as missing); numbers into
 * arrays. A missing step, `undefined` or JSON null all read as null.
 *
 * Speed: closures made at one site share V8's feedback, so a generic per-step reader sees
 * every key of every path and its property loads go megamorphic. Paths of up to four plain
 * names (the common `$.session.metadata.x`) get a reader unrolled by length instead, each
 * step read through its name's own load (member.ts), so the loads stay fast whichever other
 * paths the process reads. "Plain" (isPlainName) means the name cannot be inherited, decided
 * at compile time, so `o[name]` on a plain or null-prototype object is an own-property read
 * without the cost of `Object.hasOwn`.
 */
export function makeReader(steps: readonly (string | number)[]): Evaluator {
  const plain = steps.every(isPlainName);
  if (plain) {
    const [a, b, c, d] = steps as string[];
    const [la, lb, lc, ld] = (steps as string[]).map(memberLoad);
    switch (steps.length) {
      case 0:
        return (x) => present(x);
      case 1:
        return (x) => (isRecord(x) ? present(la!(x, a!)) : null);
      case 2:
        return (x) => {
          if (!isRecord(x)) return null;
          const y = la!(x, a!);
          return isRecord(y) ? present(lb!(y, b!)) : null;
        };
      case 3:
        return (x) => {
          if (!isRecord(x)) return null;
          const y = la!(x, a!);
          if (!isRecord(y)) return null;
          const z = lb!(y, b!);
          return isRecord(z) ? present(lc!(z, c!)) : null;
        };
      case 4:
        return (x) => {
          if (!isRecord(x)) return null;
          const y = la!(x, a!);
          if (!isRecord(y)) return null;
          const z = lb!(y, b!);
          if (!isRecord(z)) return null;
          const w = lc!(z, c!);
          return isRecord(w) ? present(ld!(w, d!)) : null;
        };
    }
  }
  const n = steps.length;
  const names = steps.map((s) => (typeof s === "string" ? s : null));
  const checkOwn = steps.map((s) => typeof s === "string" && s in Object.prototype);
  const indexes = steps.map((s) => (typeof s === "number" ? s : -1));
  return (ctx) => {
    let o: unknown = ctx;
    for (let i = 0; i < n; i++) {
      const name = names[i];
      if (name !== null && name !== undefined) {
        if (!isRecord(o) || (checkOwn[i] && !Object.hasOwn(o, name))) return null;
        o = o[name];
      } else {
        if (!Array.isArray(o)) return null;
        o = o[indexes[i]!];
      }
    }
    return present(o);
  };
}
