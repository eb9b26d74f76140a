/** Test helpers around the UserFn evaluator. */
import { evaluate } from "../../src/policy/index.js";
import { isUserFnError, type UserFnError } from "../../src/userfn/index.js";

export const CTX = {
  agent: { key: "support", name: "Support", description: "", metadata: { region: "eu" } },
  session: {
    key: "ase_1",
    name: "s",
    description: "",
    metadata: {
      tenant: "us",
      count: 3,
      vip: true,
      nothing: null,
      list: [1, "x", { a: 1 }],
      obj: { b: 2, a: [1] },
    },
  },
  currentDate: "2026-01-15T10:35:00Z",
};

export const ev = (expr: string, ctx: unknown = CTX) => evaluate(expr, ctx);
export const value = (expr: string, ctx: unknown = CTX) => ev(expr, ctx).value;

/** The UserFnError thrown by evaluating `expr`; fails the test when nothing is thrown. */
export function errorOf(expr: string, ctx: unknown = CTX): UserFnError {
  try {
    evaluate(expr, ctx);
  } catch (e) {
    if (isUserFnError(e)) return e;
    throw e;
  }
  throw new Error(`expected ${expr} to fail`);
}
