/**
 * The compiler: turns a checked syntax tree into nested closures. Calls compile through their
 * FUNCTIONS entry (`get` paths are resolved to property steps at compile time); literals and
 * null tests are specialised so the common rule `get('$.a.b') == 'x'` is one property walk
 * and one `===`.
 *
 * A compiled expression never throws anything but a `type_error` UserFnError.
 */
import type { BinaryOp, Node } from "./ast.js";
import { check } from "./checker.js";
import { UserFnError } from "./errors.js";
import type { Evaluator } from "./evaluator.js";
import { type ArgKind, type ArgType, FUNCTIONS } from "./functions.js";
import {
  compareCodePoints,
  DateTime,
  Duration,
  dateTimeOrNull,
  durationOrNull,
  jsonEquals,
  typeOf,
  type Value,
  ValueDepthError,
} from "./values.js";

/**
 * Checks and compiles an already parsed tree. Throws the first static UserFnError when the
 * tree does not check (an unknown function, a wrong arity, an invalid path); `source` is the
 * text the tree was parsed from, used only to render errors.
 */
export function compileTree(node: Node, source = ""): Evaluator {
  const problems = check(node, source);
  if (problems.length > 0) throw problems[0];
  return compileCheckedTree(node, source);
}

/**
 * Compiles a tree that `check` has already passed (a checked policy's expressions), without
 * checking it again. Given a tree that does not check, its evaluator may fail at run time.
 */
export function compileCheckedTree(node: Node, source = ""): Evaluator {
  return new Compiler(source).compile(node);
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
        return this.call(node);
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

  /** A call, compiled by its FUNCTIONS entry: a form compiles itself, a strict function is wrapped here. */
  private call(node: Node & { kind: "call" }): Evaluator {
    const fn = FUNCTIONS.get(node.name);
    // Unreachable after check(), which refuses every name FUNCTIONS does not hold.
    if (fn === undefined) throw new Error(`internal: no function '${node.name}'`);
    const fail = (detail: string) => this.typeError(detail, node);
    const impl = fn.implementation;
    if (impl.kind === "form") {
      return impl.compile({ args: node.args, compile: (n) => this.compile(n), fail });
    }
    const apply = impl.apply;
    const fs = node.args.map((a) => this.compile(a));
    const tests = fn.args.map(accepts);
    const wrong = (...vs: Value[]): never =>
      fail(`${fn.name}() expects ${expected(fn.args)}, got ${list(vs.map(typeOf))}`);
    // Arities 1 and 2 unrolled: no array per evaluation.
    if (fs.length === 1) {
      const a0 = fs[0]!;
      const t0 = tests[0]!;
      return (ctx) => {
        const x = a0(ctx);
        if (x === null) return null;
        return t0(x) ? apply(x, fail) : wrong(x);
      };
    }
    if (fs.length === 2) {
      const a0 = fs[0]!;
      const a1 = fs[1]!;
      const t0 = tests[0]!;
      const t1 = tests[1]!;
      return (ctx) => {
        const x = a0(ctx);
        const y = a1(ctx);
        if (x === null || y === null) return null;
        return t0(x) && t1(y) ? apply(x, y, fail) : wrong(x, y);
      };
    }
    return (ctx) => {
      const vs = fs.map((f) => f(ctx));
      if (vs.includes(null)) return null;
      return vs.every((v, i) => tests[i]!(v)) ? apply(...vs, fail) : wrong(...vs);
    };
  }
}

const IS: Record<ArgType, (v: Value) => boolean> = {
  number: (v) => typeof v === "number",
  string: (v) => typeof v === "string",
  datetime: (v) => v instanceof DateTime,
  duration: (v) => v instanceof Duration,
};

/** The test a strict function's argument value must pass (never null: that returned null before). */
function accepts(kind: ArgKind): (v: Value) => boolean {
  if (kind === "any") return () => true;
  if (kind === "path") return IS.string;
  if (kind.length === 1) return IS[kind[0]!];
  const tests = kind.map((t) => IS[t]);
  return (v) => tests.some((t) => t(v));
}

/** `a number`, `a number or a duration`; `numbers` when every parameter is of one type. */
function expected(kinds: readonly ArgKind[]): string {
  const one = (k: ArgKind) =>
    k === "any" ? "a value" : k === "path" ? "a path" : k.map((t) => `a ${t}`).join(" or ");
  const k0 = kinds[0];
  if (kinds.length > 1 && Array.isArray(k0) && k0.length === 1) {
    const same = kinds.every((k) => Array.isArray(k) && k.length === 1 && k[0] === k0[0]);
    if (same) return `${k0[0]}s`;
  }
  return list(kinds.map(one));
}

/** `a`, `a and b`, `a, b and c`. */
const list = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;

/** Equality of two non-null values: same type and same value (arrays and objects by value). */
function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof DateTime) return b instanceof DateTime && a.ms === b.ms;
  if (a instanceof Duration) return b instanceof Duration && a.seconds === b.seconds;
  if (b instanceof DateTime || b instanceof Duration) return false;
  return jsonEquals(a, b);
}
