import { describe, expect, it } from "vitest";
import {
  compileExpression,
  compileTree,
  DateTime,
  diagnose,
  evaluate,
  FUNCTIONS,
  isConstantlyFalse,
  isUserFnError,
  type Node,
  normalizeExpression,
  parse,
  printExpression,
  readsInput,
  type UserFunction,
} from "../../src/userfn/index.js";

const ENTRIES = [...FUNCTIONS.values()];

/** The checker's wording, written out here so that a change to it fails. */
function takes(min: number, max: number): string {
  const plural = (n: number) => (n === 1 ? "argument" : "arguments");
  if (min === max) return min === 0 ? "no arguments" : `${min} ${plural(min)}`;
  return `${min} or ${max} ${plural(max)}`;
}

/** A call of `fn` with `n` arguments that satisfy its kinds: a path where one is due, else `1`. */
function callWith(fn: UserFunction, n: number, arg = "1"): string {
  const args = Array.from({ length: n }, (_, i) => (fn.args[i] === "path" ? "'$.a'" : arg));
  return `${fn.name}(${args.join(", ")})`;
}

function staticError(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (isUserFnError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a UserFnError");
}

describe("the function table", () => {
  it("declares one kind per parameter and keys each entry by its own name", () => {
    for (const [name, fn] of FUNCTIONS) {
      expect(fn.name).toBe(name);
      expect(fn.args).toHaveLength(fn.arity.max);
      expect(fn.arity.min).toBeLessThanOrEqual(fn.arity.max);
    }
  });

  it("declares what each function reads: get the context, now the clock, the rest nothing", () => {
    const reads = Object.fromEntries(ENTRIES.map((f) => [f.name, f.reads]));
    expect(reads).toEqual({
      ...Object.fromEntries(ENTRIES.map((f) => [f.name, null])),
      get: "context",
      now: "clock",
    });
  });

  it("declares get's first argument, and only it, as a path", () => {
    const paths = ENTRIES.flatMap((f) => f.args.flatMap((k, i) => (k === "path" ? [`${f.name}#${i}`] : [])));
    expect(paths).toEqual(["get#0"]);
  });
});

describe("the checker reads the table", () => {
  it.each(ENTRIES.map((f) => [f.name, f] as const))(
    "%s: accepted at its arities, refused outside",
    (_, fn) => {
      for (let n = 0; n <= fn.arity.max + 1; n++) {
        const src = callWith(fn, n);
        if (n >= fn.arity.min && n <= fn.arity.max) {
          expect(diagnose(src), src).toEqual([]);
        } else {
          expect(
            diagnose(src).map((d) => d.message),
            src,
          ).toEqual([
            `function '${fn.name}' takes ${takes(fn.arity.min, fn.arity.max)}, got ${n} at column 1`,
          ]);
        }
      }
    },
  );
});

describe("the compiler reads the table", () => {
  it.each(ENTRIES.map((f) => [f.name, f] as const))(
    "%s compiles and runs at each of its arities",
    (_, fn) => {
      for (let n = fn.arity.min; n <= fn.arity.max; n++) {
        const src = callWith(fn, n, "null");
        const v = compileExpression(src)({ a: null, currentDate: "2026-01-15T10:35:00Z" });
        // Every function but get and now answers null for a null argument (ROUTING.md §3 rule 4).
        if (fn.name === "now") expect(v).toBeInstanceOf(DateTime);
        else expect(v, src).toBeNull();
      }
    },
  );

  it.each(ENTRIES.filter((f) => f.implementation.kind === "strict").map((f) => [f.name, f] as const))(
    "%s refuses an argument of a type it does not declare",
    (_, fn) => {
      const e = staticError(() => evaluate(callWith(fn, fn.arity.max, "true"), {}));
      expect(e.code).toBe("type_error");
      expect(e.message).toMatch(new RegExp(`^${fn.name}\\(\\) expects .+, got boolean`));
    },
  );

  it("refuses a function that is not in the table, parsed or built by hand", () => {
    expect(staticError(() => compileExpression("lower('A')"))).toEqual({
      code: "unknown_function",
      message: "unknown function 'lower' at column 1",
    });
    const tree: Node = { kind: "call", name: "lower", nameEnd: 5, args: [], start: 0, end: 7 };
    expect(staticError(() => compileTree(tree)).code).toBe("unknown_function");
  });

  it("compileTree checks: a wrong arity in a hand-built tree is refused, not evaluated", () => {
    const one: Node = { kind: "literal", value: 1, start: 4, end: 5 };
    const tree: Node = { kind: "call", name: "abs", nameEnd: 3, args: [one, one], start: 0, end: 9 };
    expect(staticError(() => compileTree(tree, "abs(1, 1)"))).toEqual({
      code: "wrong_arity",
      message: "function 'abs' takes 1 argument, got 2 at column 1",
    });
  });

  it("compileTree of a parsed tree evaluates as compileExpression does", () => {
    const src = "if (get('$.n') > 2) abs(get('$.n') - 10) else -1";
    expect(compileTree(parse(src), src)({ n: 3 })).toBe(7);
    expect(compileExpression(src)({ n: 1 })).toBe(-1);
  });
});

describe("a new function is one entry", () => {
  const triple: UserFunction = {
    name: "triple",
    arity: { min: 1, max: 1 },
    args: [["number"]],
    reads: null,
    implementation: { kind: "strict", apply: (x) => (x as number) * 3 },
  };
  const table = FUNCTIONS as Map<string, UserFunction>;

  it("is checked, compiled, type-checked and analysed from that entry alone", () => {
    expect(diagnose("triple(2)").map((d) => d.code)).toEqual(["unknown_function"]);
    table.set("triple", triple);
    try {
      expect(diagnose("triple(2)")).toEqual([]);
      expect(diagnose("triple()").map((d) => d.message)).toEqual([
        "function 'triple' takes 1 argument, got 0 at column 1",
      ]);
      expect(compileExpression("triple(get('$.x'))")({ x: 2 })).toBe(6);
      expect(compileExpression("triple(get('$.x'))")({})).toBeNull();
      expect(staticError(() => evaluate("triple('a')", {})).message).toBe(
        "triple() expects a number, got string",
      );
      expect(readsInput(parse("triple(1)"))).toBe(false);
      table.set("triple", { ...triple, reads: "clock" });
      expect(readsInput(parse("triple(1)"))).toBe(true);
    } finally {
      table.delete("triple");
    }
  });
});

describe("readsInput", () => {
  it.each([
    ["get('$.a')", true],
    ["now()", true],
    ["1 + abs(-1) * power(2, 3)", false],
    ["abs(get('$.a'))", true],
    ["if (true) 1 else get('$.x')", true],
    ["!(now() > iso_datetime_parse('2026-01-01'))", true],
    ["-minutes(5) == hours(1)", false],
    ["lower(1)", false],
    ["lower(get('$.a'))", true],
    ["'get' == 'now'", false],
  ] as const)("%s -> %s", (src, expected) => {
    expect(readsInput(parse(src))).toBe(expected);
  });
});

describe("printExpression and normalizeExpression", () => {
  it("prints each form canonically", () => {
    expect(printExpression(parse("get('$.a', 'x') == 1 and true"))).toBe('((get("$.a", "x") == 1) && true)');
    expect(printExpression(parse("!a() or -1 < 2"))).toBe("(!(a()) || (-(1) < 2))");
    expect(printExpression(parse("if (null) 'Vectara''s' else 2.50"))).toBe(`if(null, "Vectara's", 2.5)`);
    expect(printExpression(parse("1 + 2 * 3 - 4"))).toBe("((1 + (2 * 3)) - 4)");
  });

  it("forgets whitespace, parentheses and the spelling of and/or", () => {
    expect(normalizeExpression("get('$.a') == 1 and true")).toBe(
      normalizeExpression("(get('$.a')==1) && true"),
    );
    expect(normalizeExpression("a() or b() or c()")).toBe(normalizeExpression("((a()) || b()) || c()"));
    expect(normalizeExpression("a() or (b() or c())")).not.toBe(normalizeExpression("a() or b() or c()"));
    expect(normalizeExpression("get('$.a') == 1")).not.toBe(normalizeExpression("get('$.a') == '1'"));
  });

  it("returns text that does not parse trimmed, as written", () => {
    expect(normalizeExpression("  get('$.a' ==  ")).toBe("get('$.a' ==");
    // Double quotes are not a UserFn string, so this is compared as text.
    expect(normalizeExpression(' (get("$.a")==1) && true ')).toBe('(get("$.a")==1) && true');
  });
});

describe("isConstantlyFalse", () => {
  it.each([
    ["1 == 2", true],
    ["false", true],
    ["null", true],
    ["sqrt(-1) == 1", true],
    ["if (1 == 2) true else null", true],
    ["!(1 < 2)", true],
    ["true", false],
    ["1 == 1", false],
    ["1", false],
    // Reads the context or the clock, whatever it gives against {}.
    ["get('$.a') == 1", false],
    ["now() > iso_datetime_parse('2100-01-01T00:00:00Z')", false],
    // Fails to evaluate or to check.
    ["abs('a') == 1", false],
    ["1 < 'a'", false],
    ["abs(1, 2) == 5", false],
    ["lower(1) == 2", false],
  ] as const)("%s -> %s", (src, expected) => {
    expect(isConstantlyFalse(parse(src))).toBe(expected);
  });
});
