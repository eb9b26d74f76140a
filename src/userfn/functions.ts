/**
 * The functions of UserFn (ROUTING.md §3), each declared once: name, arity, argument kinds,
 * what it reads, and its implementation, side by side as cel-js declares its functions. The
 * checker (arity, path arguments), the compiler (implementations, argument types) and the
 * policy analysis (`readsInput`) all read FUNCTIONS; a name not in it is a validation error.
 * A new function is one entry in FUNCTION_LIST.
 */
import type { Node } from "./ast.js";
import type { Evaluator } from "./evaluator.js";
import { parsePath } from "./path.js";
import { makeReader } from "./reader.js";
import { DateTime, type Duration, durationOrNull, parseIsoDateTime, type Value } from "./values.js";

export interface Arity {
  readonly min: number;
  readonly max: number;
}

/** A type a strict function's argument may have (null is handled before the function runs). */
export type ArgType = "number" | "string" | "datetime" | "duration";

/**
 * What an argument must be. `path`: a string literal holding a definite JSONPath, checked
 * before evaluation (`invalid_path`). `any`: any expression. A list of ArgTypes: any
 * expression whose non-null value has one of these types, else an evaluation error.
 */
export type ArgKind = "path" | "any" | readonly ArgType[];

/** What evaluating a call reads besides its arguments: the routing context, the clock, or nothing. */
export type Reads = "context" | "clock" | null;

/** Throws a `type_error` UserFnError about the call being evaluated. */
export type Fail = (detail: string) => never;

/** What a special form's implementation is given to compile one call. */
export interface CallSite {
  /** The call's argument trees, already checked against the entry's arity and kinds. */
  readonly args: readonly Node[];
  /** Compiles one argument tree. */
  readonly compile: (node: Node) => Evaluator;
  readonly fail: Fail;
}

export type Implementation =
  /**
   * A strict function: the compiler evaluates every argument (left to right), answers null
   * when any is null (ROUTING.md §3 rule 4), refuses a value whose type is not in its kind
   * (`abs() expects a number, got string`), then calls `apply(...values, fail)`.
   */
  | { readonly kind: "strict"; readonly apply: (...args: unknown[]) => Value }
  /** A special form, compiled from the call's syntax (`get` resolves its literal path once). */
  | { readonly kind: "form"; readonly compile: (site: CallSite) => Evaluator };

export interface UserFunction {
  readonly name: string;
  readonly arity: Arity;
  /** One kind per parameter, `arity.max` of them. */
  readonly args: readonly ArgKind[];
  readonly reads: Reads;
  readonly implementation: Implementation;
}

interface TypeOfArg {
  number: number;
  string: string;
  datetime: DateTime;
  duration: Duration;
}
type Params<K extends readonly (readonly ArgType[])[]> = { [I in keyof K]: TypeOfArg[K[I][number]] };

/** A strict function of fixed arity; `apply` sees each argument narrowed to its declared types. */
function strict<const K extends readonly (readonly ArgType[])[]>(
  name: string,
  args: K,
  apply: (...xs: [...Params<K>, Fail]) => Value,
): UserFunction {
  return {
    name,
    arity: { min: args.length, max: args.length },
    args,
    reads: null,
    implementation: { kind: "strict", apply: apply as (...args: unknown[]) => Value },
  };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const DEG = Math.PI / 180;
const NUMBER = ["number"] as const;

const math1 = (name: string, f: (x: number) => number) => strict(name, [NUMBER], (x) => finite(f(x)));
const math2 = (name: string, f: (a: number, b: number) => number) =>
  strict(name, [NUMBER, NUMBER], (a, b) => finite(f(a, b)));
/** number -> duration of that many units; duration -> number of those units. */
const unit = (name: string, seconds: number) =>
  strict(name, [["number", "duration"]], (x) =>
    typeof x === "number" ? durationOrNull(x * seconds) : x.seconds / seconds,
  );

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

/** `get(path)`, `get(path, default)`: the path is resolved to property steps once, here. */
const get: UserFunction = {
  name: "get",
  arity: { min: 1, max: 2 },
  args: ["path", "any"],
  reads: "context",
  implementation: {
    kind: "form",
    compile({ args, compile }) {
      const read = makeReader(parsePath((args[0] as { value: string }).value));
      const d = args[1];
      if (d === undefined) return read;
      if (d.kind === "literal") {
        const value = d.value;
        return value === null
          ? read
          : (ctx) => {
              const v = read(ctx);
              return v === null ? value : v;
            };
      }
      const fallback = compile(d);
      return (ctx) => {
        const v = read(ctx);
        return v === null ? fallback(ctx) : v;
      };
    },
  },
};

/** `now()`: the context's `currentDate` when present, otherwise the clock. */
const now: UserFunction = {
  name: "now",
  arity: { min: 0, max: 0 },
  args: [],
  reads: "clock",
  implementation: {
    kind: "form",
    compile:
      ({ fail }) =>
      (ctx) => {
        const cd = (ctx as { currentDate?: unknown } | null)?.currentDate;
        if (cd === undefined || cd === null) return new DateTime(Date.now());
        if (typeof cd === "string") {
          const dt = parseIsoDateTime(cd);
          if (dt) return dt;
        }
        return fail(`currentDate is not an ISO-8601 date-time: ${JSON.stringify(cd)}`);
      },
  },
};

const FUNCTION_LIST: readonly UserFunction[] = [
  get,
  now,
  strict(
    "iso_datetime_parse",
    [["string"]],
    (s, fail) => parseIsoDateTime(s) ?? fail(`iso_datetime_parse(): not an ISO-8601 date-time: '${s}'`),
  ),
  strict("to_unix_timestamp", [["datetime"]], (dt) => dt.ms / 1000),
  unit("seconds", 1),
  unit("minutes", 60),
  unit("hours", 3600),
  math1("abs", Math.abs),
  math2("power", Math.pow),
  math2("min", Math.min),
  math2("max", Math.max),
  math1("sqrt", Math.sqrt),
  math1("trunc", Math.trunc),
  math1("sign", Math.sign),
  math1("radians", (x) => x * DEG),
  math1("degrees", (x) => x / DEG),
  math2("log", (base, x) => (base <= 0 || base === 1 ? Number.NaN : Math.log(x) / Math.log(base))),
  math1("ln", Math.log),
  math1("log10", Math.log10),
  math1("sin", Math.sin),
  math1("cos", Math.cos),
  math1("tan", Math.tan),
  math1("sind", (x) => trigDegrees("sind", x)),
  math1("cosd", (x) => trigDegrees("cosd", x)),
  math1("tand", (x) => trigDegrees("tand", x)),
];

/** Every function of the language by name. Throws at load when two entries share a name. */
export const FUNCTIONS: ReadonlyMap<string, UserFunction> = new Map(
  FUNCTION_LIST.map((f, i, all) => {
    if (all.findIndex((g) => g.name === f.name) !== i) throw new Error(`function '${f.name}' declared twice`);
    return [f.name, f];
  }),
);

export function describeArity(a: Arity): string {
  const plural = (n: number) => (n === 1 ? "argument" : "arguments");
  if (a.min === a.max) return a.min === 0 ? "no arguments" : `${a.min} ${plural(a.min)}`;
  return `${a.min} or ${a.max} ${plural(a.max)}`;
}

/**
 * True when evaluating `node` may read something besides its literals: it calls, anywhere in
 * the tree, a function whose entry `reads` the context or the clock. Names not in FUNCTIONS
 * read nothing (such a tree does not check). Never throws.
 */
export function readsInput(node: Node): boolean {
  switch (node.kind) {
    case "literal":
      return false;
    case "unary":
      return readsInput(node.operand);
    case "binary":
    case "and":
    case "or":
      return readsInput(node.left) || readsInput(node.right);
    case "if":
      return readsInput(node.cond) || readsInput(node.then) || readsInput(node.otherwise);
    case "call":
      return (FUNCTIONS.get(node.name)?.reads ?? null) !== null || node.args.some(readsInput);
  }
}
