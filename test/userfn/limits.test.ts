import { describe, expect, it } from "vitest";
import { diagnose, LIMITS } from "../../src/userfn/index.js";
import { value } from "../helpers/eval.js";

const nest = (depth: number, open: string, close: string, inner = "1") =>
  open.repeat(depth) + inner + close.repeat(depth);

describe("limits", () => {
  it("are frozen and documented in one place", () => {
    expect(LIMITS).toEqual({ maxExpressionLength: 4096, maxNestingDepth: 64 });
    expect(Object.isFrozen(LIMITS)).toBe(true);
  });

  it("an expression of exactly 4096 characters is accepted; 4097 is not", () => {
    const base = "1 + 1";
    const at = base + " ".repeat(4096 - base.length);
    expect(at.length).toBe(4096);
    expect(diagnose(at)).toEqual([]);
    const over = `${at} `;
    const [e] = diagnose(over);
    expect(e?.code).toBe("limit_exceeded");
    expect(e?.message).toBe("expression is 4097 characters long; the limit is 4096 at column 4097");
  });

  it.each([
    ["parentheses", (d: number) => nest(d, "(", ")")],
    ["calls", (d: number) => nest(d, "abs(", ")")],
    ["unary minus", (d: number) => `${"-".repeat(d)}1`],
    ["negation", (d: number) => `${"!".repeat(d)}true`],
    ["if", (d: number) => `${"if (true) ".repeat(d)}1${" else 0".repeat(d)}`],
  ])("%s: 64 levels are accepted, 65 are not", (_name, make) => {
    expect(diagnose(make(64))).toEqual([]);
    const [e] = diagnose(make(65));
    expect(e?.code).toBe("limit_exceeded");
    expect(e?.message).toMatch(/^expression nests deeper than 64 levels at column \d+$/);
  });

  it("mixed nesting counts every kind", () => {
    expect(diagnose(nest(32, "(-", ")"))).toEqual([]);
    expect(diagnose(nest(33, "(-", ")"))[0]?.code).toBe("limit_exceeded");
  });

  it("a long chain of binary operators is not nesting", () => {
    const chain = Array.from({ length: 1000 }, () => "1").join(" + ");
    expect(chain.length).toBeLessThanOrEqual(4096);
    expect(value(chain)).toBe(1000);
    const ors = Array.from({ length: 400 }, () => "false").join(" or ");
    expect(ors.length).toBeLessThanOrEqual(4096);
    expect(value(`${ors} or true`)).toBe(true);
  });
});
