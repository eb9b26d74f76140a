/**
 * The compiler: turns a checked syntax tree into nested closures. `get` paths are resolved
 * to property steps at compile time; literals and null tests are specialised so the common
 * rule `get('$.a.b') == 'x'` is one property walk and one `===`.
 *
 * A compiled expression never throws anything but a `type_error` UserFnError.
 */
import type { BinaryOp, Node } from "./ast.js";
import { UserFnError } from "./errors.js";
import { memberLoad } from "./member.js";
import { parsePath } from "./path.js";
import {
  compareCodePoints,
  DateTime,
  Duration,
  dateTimeOrNull,
  durationOrNull,
  jsonEquals,
  parseIsoDateTime,
  typeOf,
  type Value,
  ValueDepthError,
} from "./values.js";

/** A compiled expression: evaluates against a routing context. */
export type Evaluator = (context: unknown) => Value;

export function compileTree(node: Node, source: string): Evaluator {
  return new Compiler(source).compile(node);
}

/** A reader of one definite path (as `get(path)` reads it: missing and JSON null are null). */
export function compilePathReader(path: string): Evaluator {
  return makeReader(parsePath(path));
}

/**
 * When `node` is `get(PATH) == LITERAL` or `get(PATH, DEFAULT) == LITERAL` (either order; a
 * string, number or boolean literal; DEFAULT a literal), returns the path, the literal and the
 * default (null when there is none): such a match is true exactly when the value at PATH is
 * `===` the literal, or is missing or null and the default is the literal. It never fails.
 */
export function equalityWithLiteral(
  node: Node,
): { path: string; value: string | number | boolean; fallback: Value } | null {
  if (node.kind !== "binary" || node.op !== "==") return null;
  const pick = (get: Node, lit: Node) => {
    if (lit.kind !== "literal" || lit.value === null) return null;
    const g = literalGet(get);
    return g && { path: g.path, value: lit.value, fallback: g.fallback };
  };
  return pick(node.left, node.right) ?? pick(node.right, node.left);
}

/**
 * When `node` is `get(PATH)` or `get(PATH, LITERAL)`, its path and its literal default (null
 * when there is none: a null default changes nothing).
 */
export function literalGet(node: Node): { path: string; fallback: Value } | null {
  if (node.kind !== "call" || node.name !== "get") return null;
  const [path, d] = node.args;
  if (path?.kind !== "literal" || typeof path.value !== "string") return null;
  if (d !== undefined && d.kind !== "literal") return null;
  return { path: path.value, fallback: d === undefined ? null : d.value };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const DEG = Math.PI / 180;

/** sin/cos/tan in degrees, exact at multiples of 90 degrees. */
function trigDegrees(name: "sind" | "cosd" | "tand", x: number): number {
  const r = ((x % 360) + 360) % 360;
  if (r % 90 === 0) {
    const q = r / 90; // 0..3
    const sin = [0, 1, 0, -1][q]!;
    const cos = [1, 0, -1, 0][q]!;
    if (name === "sind") return sin;
    if (name === "cosd") return cos;
    return cos === 0 ? Number.NaN : sin / cos;
  }
  if (name === "sind") return Math.sin(r * DEG);
  if (name === "cosd") return Math.cos(r * DEG);
  return Math.tan(r * DEG);
}

const UNARY_MATH: Record<string, (x: number) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  trunc: Math.trunc,
  sign: Math.sign,
  radians: (x) => x * DEG,
  degrees: (x) => x / DEG,
  ln: Math.log,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  sind: (x) => trigDegrees("sind", x),
  cosd: (x) => trigDegrees("cosd", x),
  tand: (x) => trigDegrees("tand", x),
};

const BINARY_MATH: Record<string, (a: number, b: number) => number> = {
  power: Math.pow,
  min: Math.min,
  max: Math.max,
  log: (base, x) => (base <= 0 || base === 1 ? Number.NaN : Math.log(x) / Math.log(base)),
};

const UNIT_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600 };

class Compiler {
  constructor(private readonly source: string) {}

  private typeError(detail: string, node: Node): never {
    throw new UserFnError("type_error", detail, { start: node.start, end: node.end }, this.source);
  }

  /** A boolean position: null counts as false; any other non-boolean is an error. */
  private truth(f: Evaluator, node: Node): (ctx: unknown) => boolean {
    return (ctx) => {
      const v = f(ctx);
      if (v === true) return true;
      if (v === false || v === null) return false;
      return this.typeError(`expected a boolean, got ${typeOf(v)}`, node);
    };
  }

  compile(node: Node): Evaluator {
    switch (node.kind) {
      case "literal": {
        const value = node.value;
        return () => value;
      }
      case "unary":
        return this.unary(node.op, node.operand, node);
      case "and": {
        const l = this.truth(this.compile(node.left), node.left);
        const r = this.truth(this.compile(node.right), node.right);
        return (ctx) => l(ctx) && r(ctx);
      }
      case "or": {
        const l = this.truth(this.compile(node.left), node.left);
        const r = this.truth(this.compile(node.right), node.right);
        return (ctx) => l(ctx) || r(ctx);
      }
      case "if": {
        const c = this.truth(this.compile(node.cond), node.cond);
        const t = this.compile(node.then);
        const e = this.compile(node.otherwise);
        return (ctx) => (c(ctx) ? t(ctx) : e(ctx));
      }
      case "binary":
        return this.binary(node.op, node.left, node.right, node);
      case "call":
        return this.call(node.name, node.args, node);
    }
  }

  private unary(op: "!" | "-", operand: Node, node: Node): Evaluator {
    const f = this.compile(operand);
    if (op === "!") {
      const t = this.truth(f, operand);
      return (ctx) => !t(ctx);
    }
    return (ctx) => {
      const v = f(ctx);
      if (v === null) return null;
      if (typeof v === "number") return -v;
      if (v instanceof Duration) return new Duration(-v.seconds);
      return this.typeError(`cannot negate a ${typeOf(v)}`, node);
    };
  }

  private binary(op: BinaryOp, left: Node, right: Node, node: Node): Evaluator {
    if (op === "==" || op === "!=") return this.equality(op === "==", left, right);
    const l = this.compile(left);
    const r = this.compile(right);
    switch (op) {
      case "<":
      case "<=":
      case ">":
      case ">=": {
        const test =
          op === "<"
            ? (c: number) => c < 0
            : op === "<="
              ? (c: number) => c <= 0
              : op === ">"
                ? (c: number) => c > 0
                : (c: number) => c >= 0;
        return (ctx) => {
          const a = l(ctx);
          const b = r(ctx);
          if (a === null || b === null) return false;
          if (typeof a === "number" && typeof b === "number") return test(a < b ? -1 : a > b ? 1 : 0);
          if (typeof a === "string" && typeof b === "string") return test(compareCodePoints(a, b));
          if (a instanceof DateTime && b instanceof DateTime) return test(a.ms - b.ms);
          if (a instanceof Duration && b instanceof Duration) return test(a.seconds - b.seconds);
          return this.typeError(`cannot compare ${typeOf(a)} with ${typeOf(b)}`, node);
        };
      }
      case "+":
        return (ctx) => {
          const a = l(ctx);
          const b = r(ctx);
          if (a === null || b === null) return null;
          if (typeof a === "number" && typeof b === "number") return finite(a + b);
          if (a instanceof Duration && b instanceof Duration) return durationOrNull(a.seconds + b.seconds);
          if (a instanceof DateTime && b instanceof Duration) return dateTimeOrNull(a.ms + b.seconds * 1000);
          if (a instanceof Duration && b instanceof DateTime) return dateTimeOrNull(b.ms + a.seconds * 1000);
          return this.typeError(`cannot apply '+' to ${typeOf(a)} and ${typeOf(b)}`, node);
        };
      case "-":
        return (ctx) => {
          const a = l(ctx);
          const b = r(ctx);
          if (a === null || b === null) return null;
          if (typeof a === "number" && typeof b === "number") return finite(a - b);
          if (a instanceof Duration && b instanceof Duration) return durationOrNull(a.seconds - b.seconds);
          if (a instanceof DateTime && b instanceof Duration) return dateTimeOrNull(a.ms - b.seconds * 1000);
          if (a instanceof DateTime && b instanceof DateTime) return durationOrNull((a.ms - b.ms) / 1000);
          return this.typeError(`cannot apply '-' to ${typeOf(a)} and ${typeOf(b)}`, node);
        };
      default: {
        const f =
          op === "*"
            ? (a: number, b: number) => a * b
            : op === "/"
              ? (a: number, b: number) => a / b
              : (a: number, b: number) => a % b;
        return (ctx) => {
          const a = l(ctx);
          const b = r(ctx);
          if (a === null || b === null) return null;
          if (typeof a === "number" && typeof b === "number") return finite(f(a, b));
          return this.typeError(`cannot apply '${op}' to ${typeOf(a)} and ${typeOf(b)}`, node);
        };
      }
    }
  }

  /** `==`/`!=` (ROUTING.md §3 rules 2 and 3). */
  private equality(isEq: boolean, left: Node, right: Node): Evaluator {
    const isNullLit = (n: Node) => n.kind === "literal" && n.value === null;
    if (isNullLit(left) || isNullLit(right)) {
      // A null test: true exactly when the other side is (or is not) null.
      const other = this.compile(isNullLit(left) ? right : left);
      return isEq ? (ctx) => other(ctx) === null : (ctx) => other(ctx) !== null;
    }
    const lit = right.kind === "literal" ? right.value : left.kind === "literal" ? left.value : undefined;
    if (lit !== undefined) {
      // One side is a non-null primitive literal: values of another type are never equal,
      // and a null on the other side makes both == and != false.
      const other = this.compile(right.kind === "literal" ? left : right);
      return isEq
        ? (ctx) => other(ctx) === lit
        : (ctx) => {
            const v = other(ctx);
            return v !== null && v !== lit;
          };
    }
    const l = this.compile(left);
    const r = this.compile(right);
    return (ctx) => {
      const a = l(ctx);
      const b = r(ctx);
      if (a === null || b === null) return false;
      try {
        return valuesEqual(a, b) === isEq;
      } catch (e) {
        if (e instanceof ValueDepthError) return this.typeError(`cannot compare: ${e.message}`, left);
        throw e;
      }
    };
  }

  private call(name: string, args: readonly Node[], node: Node): Evaluator {
    if (name === "get") return this.get(args);
    if (name === "now") {
      return (ctx) => {
        const cd = (ctx as { currentDate?: unknown } | null)?.currentDate;
        if (cd === undefined || cd === null) return new DateTime(Date.now());
        if (typeof cd === "string") {
          const dt = parseIsoDateTime(cd);
          if (dt) return dt;
        }
        return this.typeError(`currentDate is not an ISO-8601 date-time: ${JSON.stringify(cd)}`, node);
      };
    }
    const fs = args.map((a) => this.compile(a));
    const a0 = fs[0]!;
    const unary = UNARY_MATH[name];
    if (unary) {
      return (ctx) => {
        const x = a0(ctx);
        if (x === null) return null;
        if (typeof x !== "number")
          return this.typeError(`${name}() expects a number, got ${typeOf(x)}`, node);
        return finite(unary(x));
      };
    }
    const binary = BINARY_MATH[name];
    if (binary) {
      const a1 = fs[1]!;
      return (ctx) => {
        const x = a0(ctx);
        const y = a1(ctx);
        if (x === null || y === null) return null;
        if (typeof x !== "number" || typeof y !== "number") {
          return this.typeError(`${name}() expects numbers, got ${typeOf(x)} and ${typeOf(y)}`, node);
        }
        return finite(binary(x, y));
      };
    }
    const unit = UNIT_SECONDS[name];
    if (unit !== undefined) {
      return (ctx) => {
        const x = a0(ctx);
        if (x === null) return null;
        if (typeof x === "number") return durationOrNull(x * unit);
        if (x instanceof Duration) return x.seconds / unit;
        return this.typeError(`${name}() expects a number or a duration, got ${typeOf(x)}`, node);
      };
    }
    if (name === "iso_datetime_parse") {
      return (ctx) => {
        const x = a0(ctx);
        if (x === null) return null;
        if (typeof x !== "string")
          return this.typeError(`iso_datetime_parse() expects a string, got ${typeOf(x)}`, node);
        return (
          parseIsoDateTime(x) ??
          this.typeError(`iso_datetime_parse(): not an ISO-8601 date-time: '${x}'`, node)
        );
      };
    }
    if (name === "to_unix_timestamp") {
      return (ctx) => {
        const x = a0(ctx);
        if (x === null) return null;
        if (!(x instanceof DateTime))
          return this.typeError(`to_unix_timestamp() expects a datetime, got ${typeOf(x)}`, node);
        return x.ms / 1000;
      };
    }
    // Unreachable after check(): every name in FUNCTIONS is handled above.
    throw new Error(`internal: no implementation for function '${name}'`);
  }

  private get(args: readonly Node[]): Evaluator {
    const steps = parsePath((args[0] as { value: string }).value);
    const read = makeReader(steps);
    if (args.length === 1) return read;
    const d = args[1]!;
    if (d.kind === "literal") {
      const value = d.value;
      return value === null
        ? read
        : (ctx) => {
            const v = read(ctx);
            return v === null ? value : v;
          };
    }
    const fallback = this.compile(d);
    return (ctx) => {
      const v = read(ctx);
      return v === null ? fallback(ctx) : v;
    };
  }
}

/** Equality of two non-null values: same type and same value (arrays and objects by value). */
function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof DateTime) return b instanceof DateTime && a.ms === b.ms;
  if (a instanceof Duration) return b instanceof Duration && a.seconds === b.seconds;
  if (b instanceof DateTime || b instanceof Duration) return false;
  return jsonEquals(a, b);
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
function makeReader(steps: readonly (string | number)[]): Evaluator {
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
