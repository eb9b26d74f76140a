import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/policy/index.js";
import { isUserFnError } from "../../src/userfn/index.js";
import { type ExpressionVectors, loadVectors } from "../helpers/vectors.js";

const vectors = loadVectors<ExpressionVectors>("expressions");

describe("expression vectors (spec/vectors/expressions.json)", () => {
  it("has cases", () => {
    expect(vectors.cases.length).toBeGreaterThan(50);
  });

  for (const c of vectors.cases) {
    if ("error" in c) {
      it(`rejects ${c.expr.slice(0, 60)} (${c.why})`, () => {
        let thrown: unknown;
        try {
          evaluate(c.expr, vectors.context);
        } catch (e) {
          thrown = e;
        }
        expect(isUserFnError(thrown)).toBe(true);
      });
    } else {
      it(`${c.expr} -> ${c.type} ${JSON.stringify(c.value)}`, () => {
        expect(evaluate(c.expr, vectors.context)).toEqual({ type: c.type, value: c.value });
      });
    }
  }
});
