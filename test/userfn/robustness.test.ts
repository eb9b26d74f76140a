import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileExpression, diagnose, isUserFnError } from "../../src/userfn/index.js";
import { CTX } from "../helpers/eval.js";

/** Runs parse, check, compile and evaluate; anything thrown must be a typed UserFnError. */
function exercise(src: string): void {
  try {
    diagnose(src);
    compileExpression(src)(CTX);
  } catch (e) {
    if (!isUserFnError(e)) throw e;
    expect([
      "syntax_error",
      "unknown_function",
      "wrong_arity",
      "invalid_path",
      "limit_exceeded",
      "type_error",
    ]).toContain(e.code);
    expect(e.range.start).toBeGreaterThanOrEqual(0);
    expect(e.range.end).toBeGreaterThan(e.range.start);
    expect(e.range.start).toBeLessThanOrEqual(src.length);
  }
}

const TOKENS = [
  "(",
  ")",
  ",",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
  "<",
  "<=",
  ">",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "and",
  "or",
  "if",
  "else",
  "true",
  "false",
  "null",
  "1",
  "2.5",
  ".5",
  "'x'",
  "'it''s'",
  "get",
  "get('$.session.key')",
  "get('$.session.metadata.count')",
  "now()",
  "abs",
  "max",
  "seconds",
  "iso_datetime_parse",
  "'2026-01-01T00:00:00Z'",
  "?",
  ":",
  "=",
  '"',
  "'",
  "$",
  "[",
  "]",
  "..",
  "x",
  "lower",
];

describe("robustness", () => {
  it("random strings never raise anything but a typed error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (s) => exercise(s)),
      { numRuns: 5000 },
    );
  });

  it("random token sequences never raise anything but a typed error", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (ts) => exercise(ts.join(" "))),
      { numRuns: 10000 },
    );
  });

  it("10,000 nested parentheses give a clean error, not a stack overflow", () => {
    const src = `${"(".repeat(10_000)}1${")".repeat(10_000)}`;
    const [e] = diagnose(src);
    expect(e?.code).toBe("limit_exceeded");
    // Under the length limit, the nesting limit catches it.
    const deep = `${"(".repeat(2000)}1${")".repeat(2000)}`;
    expect(diagnose(deep)[0]?.message).toBe("expression nests deeper than 64 levels at column 65");
    const unbalanced = "(".repeat(4000);
    expect(diagnose(unbalanced)[0]?.code).toBe("limit_exceeded");
    expect(diagnose("-".repeat(4000))[0]?.code).toBe("limit_exceeded");
    expect(diagnose("abs(".repeat(1000))[0]?.code).toBe("limit_exceeded");
  });

  it("hostile contexts do not break evaluation", () => {
    const f = compileExpression("get('$.session.metadata.x', 'd') == 'd'");
    for (const ctx of [
      null,
      undefined,
      5,
      "s",
      [],
      { session: null },
      { session: { metadata: [] } },
      Object.create(null),
    ]) {
      expect(f(ctx)).toBe(true);
    }
  });
});
