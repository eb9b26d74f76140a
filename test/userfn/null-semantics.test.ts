import { describe, expect, it } from "vitest";
import { errorOf, ev, value } from "../helpers/eval.js";

const MISSING = "get('$.session.metadata.missing')";
const NULLVAL = "get('$.session.metadata.nothing')";

describe("rule 1: ordering comparisons", () => {
  it.each(["<", "<=", ">", ">="])("%s is false when either side is null", (op) => {
    expect(value(`${MISSING} ${op} 1`)).toBe(false);
    expect(value(`1 ${op} ${MISSING}`)).toBe(false);
    expect(value(`null ${op} null`)).toBe(false);
  });
  it("orders numbers, strings by code point, datetimes and durations", () => {
    expect(value("2 < 10")).toBe(true);
    expect(value("'b' > 'a'")).toBe(true);
    expect(value("'B' < 'a'")).toBe(true);
    expect(value("'abc' < 'abd'")).toBe(true);
    expect(value("'ab' < 'abc'")).toBe(true);
    expect(
      value("iso_datetime_parse('2026-01-01T00:00:00Z') < iso_datetime_parse('2026-01-02T00:00:00Z')"),
    ).toBe(true);
    expect(value("minutes(2) > seconds(90)")).toBe(true);
    expect(value("hours(1) >= minutes(60)")).toBe(true);
  });
  it("compares strings by code point, not by UTF-16 unit", () => {
    // U+FF5E (one unit, 0xFF5E) is below U+1F600 (surrogates 0xD83D 0xDE00) by code point.
    expect(ev("get('$.a') < get('$.b')", { a: "\uFF5E", b: "\u{1F600}" }).value).toBe(true);
  });
  it.each([
    ["1 < 'a'", "cannot compare number with string"],
    ["'a' >= true", "cannot compare string with boolean"],
    ["now() > 5", "cannot compare datetime with number"],
    ["seconds(1) < now()", "cannot compare duration with datetime"],
    ["get('$.session.metadata.list') < 1", "cannot compare array with number"],
  ])("%s is an evaluation error", (src, msg) => {
    const e = errorOf(src);
    expect(e.code).toBe("type_error");
    expect(e.message).toBe(msg);
  });
});

describe("rule 2: == and != with the literal null are null tests", () => {
  it("tests presence", () => {
    expect(value(`${MISSING} == null`)).toBe(true);
    expect(value(`${MISSING} != null`)).toBe(false);
    expect(value(`${NULLVAL} == null`)).toBe(true);
    expect(value(`${NULLVAL} != null`)).toBe(false);
    expect(value("get('$.session.metadata.tenant') != null")).toBe(true);
    expect(value("null == get('$.session.metadata.tenant')")).toBe(false);
    expect(value("null == null")).toBe(true);
    expect(value("get('$.session.metadata.count') != null")).toBe(true);
  });
});

describe("rule 3: otherwise == and != are false with a null side; types never mix", () => {
  it("null on one side", () => {
    expect(value(`${MISSING} == 'us'`)).toBe(false);
    expect(value(`${MISSING} != 'us'`)).toBe(false);
    expect(value(`'us' != ${MISSING}`)).toBe(false);
    expect(value(`${MISSING} == ${MISSING}`)).toBe(false);
    expect(value(`${MISSING} != ${MISSING}`)).toBe(false);
  });
  it("different types", () => {
    expect(value("'1' == 1")).toBe(false);
    expect(value("'1' != 1")).toBe(true);
    expect(value("true == 1")).toBe(false);
    expect(value("get('$.session.metadata.count') == '3'")).toBe(false);
    expect(value("get('$.session.metadata.count') == 3")).toBe(true);
  });
  it("arrays and objects compare by value", () => {
    const ctx = {
      a: [1, { x: "y" }],
      b: [1, { x: "y" }],
      c: [1, { x: "z" }],
      o: { p: 1, q: 2 },
      r: { q: 2, p: 1 },
    };
    expect(ev("get('$.a') == get('$.b')", ctx).value).toBe(true);
    expect(ev("get('$.a') == get('$.c')", ctx).value).toBe(false);
    expect(ev("get('$.a') != get('$.c')", ctx).value).toBe(true);
    expect(ev("get('$.o') == get('$.r')", ctx).value).toBe(true);
    expect(ev("get('$.o') == get('$.a')", ctx).value).toBe(false);
  });
  it("datetimes and durations compare by value", () => {
    expect(value("iso_datetime_parse('2026-01-15T10:35:00Z') == now()")).toBe(true);
    expect(value("minutes(1) == seconds(60)")).toBe(true);
    expect(value("minutes(1) != seconds(61)")).toBe(true);
  });
});

describe("rule 4: null propagates through arithmetic and functions; bad math is null", () => {
  it.each([
    `${MISSING} + 1`,
    `1 - ${MISSING}`,
    `-${MISSING}`,
    `abs(${MISSING})`,
    `power(2, ${MISSING})`,
    `iso_datetime_parse(${MISSING})`,
    `seconds(${MISSING})`,
    "1 / 0",
    "5 % 0",
    "sqrt(-1)",
    "log(2, 0)",
    "log(0, 8)",
    "log(1, 8)",
    "log(-2, 8)",
    "ln(0)",
    "power(10, 400)",
    "tand(90)",
  ])("%s is null", (src) => {
    expect(ev(src)).toEqual({ type: "null", value: null });
  });
  it.each([
    ["abs('a')", "abs() expects a number, got string"],
    ["iso_datetime_parse('not a date')", "iso_datetime_parse(): not an ISO-8601 date-time: 'not a date'"],
    ["iso_datetime_parse(5)", "iso_datetime_parse() expects a string, got number"],
    ["to_unix_timestamp(5)", "to_unix_timestamp() expects a datetime, got number"],
    ["seconds('a')", "seconds() expects a number or a duration, got string"],
    ["'a' + 'b'", "cannot apply '+' to string and string"],
    ["now() + 1", "cannot apply '+' to datetime and number"],
    ["2 * 'x'", "cannot apply '*' to number and string"],
    ["-'a'", "cannot negate a string"],
    ["min(1, 'a')", "min() expects numbers, got number and string"],
  ])("%s is an evaluation error", (src, msg) => {
    const e = errorOf(src);
    expect(e.code).toBe("type_error");
    expect(e.message).toBe(msg);
  });
});

describe("rule 5: boolean positions", () => {
  it("null counts as false", () => {
    expect(value(`!${MISSING}`)).toBe(true);
    expect(value(`${MISSING} || true`)).toBe(true);
    expect(value(`${MISSING} && true`)).toBe(false);
    expect(value(`if (${MISSING}) 1 else 2`)).toBe(2);
  });
  it.each([
    ["!5", "expected a boolean, got number"],
    ["'a' && true", "expected a boolean, got string"],
    ["true && 1", "expected a boolean, got number"],
    ["if ('x') 1 else 2", "expected a boolean, got string"],
    ["false || get('$.session.metadata.list')", "expected a boolean, got array"],
  ])("%s is an evaluation error", (src, msg) => {
    expect(errorOf(src).message).toBe(msg);
  });
  it("&&, || and if short-circuit", () => {
    expect(value("false && (1 < 'a')")).toBe(false);
    expect(value("true || (1 < 'a')")).toBe(true);
    expect(value("if (true) 1 else (1 < 'a')")).toBe(1);
    expect(value("if (false) (1 < 'a') else 2")).toBe(2);
  });
});
