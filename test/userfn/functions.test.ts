import { describe, expect, it } from "vitest";
import { diagnose, FUNCTIONS } from "../../src/userfn/index.js";
import { CTX, ev, value } from "../helpers/eval.js";

describe("math functions", () => {
  it.each([
    ["abs(-2.5)", 2.5],
    ["power(2, 10)", 1024],
    ["min(3, -1)", -1],
    ["max(3, -1)", 3],
    ["sqrt(2.25)", 1.5],
    ["trunc(-2.7)", -2],
    ["sign(-4)", -1],
    ["degrees(radians(90))", 90],
    ["log(10, 1000)", 3],
    ["ln(1)", 0],
    ["log10(0.001)", -3],
    ["sin(0)", 0],
    ["cos(0)", 1],
    ["tan(0)", 0],
    ["sind(90)", 1],
    ["sind(180)", 0],
    ["cosd(180)", -1],
    ["cosd(-90)", 0],
    ["tand(45)", 1],
  ] as const)("%s = %s", (src, expected) => {
    expect(value(src)).toBeCloseTo(expected, 12);
  });
});

describe("time functions", () => {
  it("now() is the context's currentDate when present", () => {
    expect(ev("now()")).toEqual({ type: "datetime", value: "2026-01-15T10:35:00.000Z" });
  });
  it("now() is the clock without currentDate", () => {
    const before = Date.now();
    const ms = Date.parse(ev("now()", {}).value as string);
    expect(ms).toBeGreaterThanOrEqual(before - 1);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });
  it("an invalid currentDate is an evaluation error naming it", () => {
    expect(() => ev("now()", { currentDate: "yesterday" })).toThrow(
      'currentDate is not an ISO-8601 date-time: "yesterday"',
    );
  });
  it("parses ISO-8601 with offsets and fractions", () => {
    expect(ev("iso_datetime_parse('2026-01-15T12:35:00+02:00')").value).toBe("2026-01-15T10:35:00.000Z");
    expect(ev("iso_datetime_parse('2026-01-15T10:35:00.250Z')").value).toBe("2026-01-15T10:35:00.250Z");
    expect(ev("iso_datetime_parse('2026-01-15')").value).toBe("2026-01-15T00:00:00.000Z");
    expect(() => ev("iso_datetime_parse('2026-02-30T00:00:00Z')")).toThrow("not an ISO-8601 date-time");
  });
  it("datetime and duration arithmetic", () => {
    expect(ev("now() + hours(1)").value).toBe("2026-01-15T11:35:00.000Z");
    expect(ev("minutes(30) + now()").value).toBe("2026-01-15T11:05:00.000Z");
    expect(ev("now() - minutes(35)").value).toBe("2026-01-15T10:00:00.000Z");
    expect(ev("now() - iso_datetime_parse('2026-01-15T10:00:00Z')")).toEqual({
      type: "duration",
      value: 2100,
    });
    expect(ev("minutes(now() - iso_datetime_parse('2026-01-15T10:00:00Z'))")).toEqual({
      type: "number",
      value: 35,
    });
    expect(ev("hours(2) - minutes(30)")).toEqual({ type: "duration", value: 5400 });
    expect(ev("-minutes(1)")).toEqual({ type: "duration", value: -60 });
    expect(value("to_unix_timestamp(now())")).toBe(1768473300);
  });
});

describe("the function table", () => {
  it("is exactly the spec's list", () => {
    expect([...FUNCTIONS.keys()].sort()).toEqual(
      [
        "get",
        "now",
        "iso_datetime_parse",
        "to_unix_timestamp",
        "seconds",
        "minutes",
        "hours",
        "abs",
        "power",
        "min",
        "max",
        "sqrt",
        "trunc",
        "sign",
        "radians",
        "degrees",
        "log",
        "ln",
        "log10",
        "sin",
        "cos",
        "tan",
        "sind",
        "cosd",
        "tand",
      ].sort(),
    );
  });
  it.each([
    ["lower('A')", "unknown function 'lower' at column 1"],
    ["abs(1, 2)", "function 'abs' takes 1 argument, got 2 at column 1"],
    ["now(1)", "function 'now' takes no arguments, got 1 at column 1"],
    ["1 + power(2)", "function 'power' takes 2 arguments, got 1 at column 5"],
    ["get()", "function 'get' takes 1 or 2 arguments, got 0 at column 1"],
    [
      "get(get('$.a'))",
      "the path given to get() must be a string literal such as '$.session.key' at column 5",
    ],
  ])("%s -> %s", (src, msg) => {
    expect(diagnose(src).map((d) => d.message)).toEqual([msg]);
  });
  it("reports every static problem, in source order", () => {
    expect(diagnose("foo(1) + abs(1, 2) + get('$..x')").map((d) => d.code)).toEqual([
      "unknown_function",
      "wrong_arity",
      "invalid_path",
    ]);
  });
  it("a context value is returned as it is", () => {
    expect(ev("get('$.session.metadata.obj')", CTX)).toEqual({ type: "object", value: { b: 2, a: [1] } });
    expect(ev("get('$.session.metadata.list')", CTX)).toEqual({ type: "array", value: [1, "x", { a: 1 }] });
  });
});
