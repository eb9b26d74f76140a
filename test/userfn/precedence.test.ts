import { describe, expect, it } from "vitest";
import type { Node } from "../../src/userfn/index.js";
import { parse } from "../../src/userfn/index.js";
import { errorOf, value } from "../helpers/eval.js";

/** Renders a tree fully parenthesised, to pin how the parser groups. */
function show(n: Node): string {
  switch (n.kind) {
    case "literal":
      return typeof n.value === "string" ? `'${n.value}'` : String(n.value);
    case "unary":
      return `(${n.op}${show(n.operand)})`;
    case "binary":
      return `(${show(n.left)} ${n.op} ${show(n.right)})`;
    case "and":
    case "or":
      return `(${show(n.left)} ${n.kind} ${show(n.right)})`;
    case "if":
      return `(if ${show(n.cond)} ${show(n.then)} ${show(n.otherwise)})`;
    case "call":
      return `${n.name}(${n.args.map(show).join(", ")})`;
  }
}

describe("precedence, loosest first: if, or, and, equality, relational, additive, multiplicative, unary", () => {
  it.each([
    ["1 + 2 * 3", "(1 + (2 * 3))"],
    ["1 * 2 + 3", "((1 * 2) + 3)"],
    ["1 - 2 - 3", "((1 - 2) - 3)"],
    ["8 / 4 / 2", "((8 / 4) / 2)"],
    ["7 % 4 * 2", "((7 % 4) * 2)"],
    ["-2 * 3", "((-2) * 3)"],
    ["!true == false", "((!true) == false)"],
    ["1 < 2 == true", "((1 < 2) == true)"],
    ["1 + 1 < 3", "((1 + 1) < 3)"],
    ["true or false and false", "(true or (false and false))"],
    ["true || false && false", "(true or (false and false))"],
    ["a() and b() or c()", "((a() and b()) or c())"],
    ["1 == 1 and 2 == 2", "((1 == 1) and (2 == 2))"],
    ["if (true) 1 else 2 + 3", "(if true 1 (2 + 3))"],
    ["if (true) 1 else if (false) 2 else 3", "(if true 1 (if false 2 3))"],
    ["--1", "(-(-1))"],
    ["!!true", "(!(!true))"],
    ["(1 + 2) * 3", "((1 + 2) * 3)"],
  ])("%s groups as %s", (src, expected) => {
    expect(show(parse(src))).toBe(expected);
  });

  it("evaluates by those groupings", () => {
    expect(value("2 + 3 * 4")).toBe(14);
    expect(value("10 - 4 - 3")).toBe(3);
    expect(value("64 / 4 / 2")).toBe(8);
    expect(value("true or false and false")).toBe(true);
    expect(value("(true or false) and false")).toBe(false);
    expect(value("if (1 < 2) 10 else 20 + 1")).toBe(10);
    expect(value("-2 * -3")).toBe(6);
  });

  it("both spellings of and/or are the same operator", () => {
    expect(value("true and false")).toBe(value("true && false"));
    expect(value("false or true")).toBe(value("false || true"));
  });
});

describe("non-associative comparisons", () => {
  it.each(["1 == 1 == true", "1 != 2 == true", "1 < 2 < 3", "1 <= 2 > 0"])("%s is a syntax error", (src) => {
    const e = errorOf(src);
    expect(e.code).toBe("syntax_error");
    expect(e.message).toMatch(/cannot follow another (equality )?comparison; add parentheses at column \d+/);
  });

  it("parentheses make them legal", () => {
    expect(value("(1 == 1) == true")).toBe(true);
    expect(value("(1 < 2) == (2 < 3)")).toBe(true);
  });
});

describe("syntax errors name the column and show a caret", () => {
  it.each([
    ["1 +", "unexpected end of expression at column 4", 3],
    ["'abc", "unterminated string literal at column 1", 0],
    ['"abc"', "double-quoted strings are not supported; use single quotes ('text') at column 1", 0],
    ["1 ? 2 : 3", "'?:' is not part of the language; use if (cond) a else b at column 3", 2],
    ["if (true) 1", "expected 'else' (it is required), found end of expression at column 12", 11],
    ["1 === 1", "'===' is not an operator; use '==' at column 3", 2],
    ["a = 1", "unexpected '='; use '==' to compare at column 3", 2],
    ["x", "unknown name 'x': there are no variables; use get('$.path') to read the context at column 1", 0],
    ["1 2", "unexpected number 2 after a complete expression at column 3", 2],
    ["", "empty expression at column 1", 0],
    ["1 + if (true) 1 else 2", "an 'if' expression must be wrapped in parentheses here at column 5", 4],
    ["max(1,", "unexpected end of expression at column 7", 6],
    ["[1]", "unexpected character '[' at column 1", 0],
  ])("%s", (src, message, start) => {
    const e = errorOf(src);
    expect(e.message).toBe(message);
    expect(e.range.start).toBe(start);
    expect(e.format()).toBe(
      `${message}\n  ${src}\n  ${" ".repeat(start)}${"^".repeat(Math.max(1, e.range.end - start))}`,
    );
  });
});
