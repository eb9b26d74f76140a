/**
 * Nothing but typed errors leaves an evaluation (ROUTING.md §3 rule 4): generated expressions
 * that parse, over contexts holding huge and non-finite numbers, dates at the edge of the
 * representable range, deep and cyclic values and non-plain objects. `evaluate` returns or
 * throws a UserFnError; a policy's `resolve` returns or throws a RoutingError.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, evaluate, RoutingError } from "../../src/policy/index.js";
import { diagnose, isUserFnError } from "../../src/userfn/index.js";

const LEAVES = [
  "1",
  "1e308",
  "-1e308",
  "0",
  "2.5",
  "'x'",
  "'2026-01-01'",
  "null",
  "true",
  "now()",
  "get('$.session.metadata.d')",
  "get('$.session.metadata.h')",
  "get('$.session.metadata.big')",
  "get('$.session.metadata.inf')",
  "get('$.session.metadata.deep')",
  "get('$.session.metadata.cyclic')",
  "get('$.session.metadata.when')",
  "get('$.session.metadata.when.getTime')",
  "get('$.session.metadata.list[0]')",
  "get('$.currentDate.getTime')",
  "iso_datetime_parse(get('$.session.metadata.d'))",
  "iso_datetime_parse('275760-09-13')",
  "iso_datetime_parse('9999-12-31T23:59:59Z')",
];
const UNARY = ["seconds", "minutes", "hours", "abs", "sqrt", "ln", "trunc", "to_unix_timestamp", "sind"];
const BINARY = ["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"];

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...LEAVES),
    fc.tuple(fc.constantFrom(...UNARY), tie("e")).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie("e"), fc.constantFrom(...BINARY), tie("e")).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc
      .tuple(fc.constantFrom("power", "max", "log"), tie("e"), tie("e"))
      .map(([f, a, b]) => `${f}(${a}, ${b})`),
    fc.tuple(tie("e"), tie("e"), tie("e")).map(([c, a, b]) => `if (${c}) ${a} else ${b}`),
    tie("e").map((a) => `-${a}`),
  ),
})).e;

function deep(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { v };
  return v;
}

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

const context = fc.record({
  session: fc.record({
    key: fc.constant("s-1"),
    metadata: fc.record({
      d: fc.constantFrom("2026-01-01", "275760-09-13", "-271821-04-20", "not a date", 5),
      h: fc.constantFrom(1, 1e12, -1e12, 1e308, Number.MAX_VALUE, 0.5),
      big: fc.constantFrom(1e308, -1e308, Number.MIN_VALUE, 2 ** 53),
      inf: fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN),
      deep: fc.constantFrom(deep(10), deep(300), deep(100_000)),
      cyclic: fc.constant(cyclic),
      when: fc.constant(new Date(0)),
      list: fc.constant([Number.POSITIVE_INFINITY]),
    }),
  }),
  currentDate: fc.constantFrom("2026-06-02T10:35:00Z", new Date(0), "+275760-09-13T00:00:00Z"),
});

describe("typed errors only", () => {
  it("evaluate: generated expressions over hostile contexts", () => {
    fc.assert(
      fc.property(expr, context, (src, ctx) => {
        if (diagnose(src).length > 0) return;
        try {
          evaluate(src, ctx);
        } catch (e) {
          if (!isUserFnError(e)) throw e;
        }
      }),
      { numRuns: 4000 },
    );
  });

  it("resolve: the same expressions as match and partition_by", () => {
    fc.assert(
      fc.property(expr, expr, context, (m, p, ctx) => {
        if (diagnose(m).length > 0 || diagnose(p).length > 0) return;
        const policy = compilePolicy({
          key: "a",
          policy: {
            type: "routed",
            rules: [
              { match: `(${m}) == true`, targets: { type: "single", agent_key: "v1" } },
              {
                targets: {
                  type: "weighted",
                  partition_by: p,
                  options: [
                    { agent_key: "v1", weight: 1 },
                    { agent_key: "v2", weight: 1 },
                  ],
                },
              },
            ],
          },
        });
        try {
          policy.resolve(ctx);
        } catch (e) {
          if (!(e instanceof RoutingError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("the issue's examples: null, not a RangeError", () => {
    const ctx = { session: { metadata: { d: "2026-01-01", h: 1e12 } } };
    expect(
      evaluate("iso_datetime_parse(get('$.session.metadata.d')) + hours(get('$.session.metadata.h'))", ctx),
    ).toEqual({
      type: "null",
      value: null,
    });
    expect(evaluate("now() + seconds(1e308)", {})).toEqual({ type: "null", value: null });
    expect(evaluate("seconds(1e308)", {})).toEqual({ type: "null", value: null });
    expect(evaluate("now() - now() + seconds(8.64e12)", {}).type).toBe("duration");
    expect(evaluate("get('$.x')", { x: Number.POSITIVE_INFINITY })).toEqual({ type: "null", value: null });
    expect(evaluate("get('$.currentDate.getTime')", { currentDate: new Date() })).toEqual({
      type: "null",
      value: null,
    });
    const policy = compilePolicy({
      key: "a",
      policy: {
        type: "routed",
        rules: [
          {
            targets: {
              type: "weighted",
              partition_by:
                "iso_datetime_parse(get('$.session.metadata.d')) + hours(get('$.session.metadata.h'))",
              options: [{ agent_key: "v1", weight: 1 }],
            },
          },
        ],
      },
    });
    expect(() => policy.resolve(ctx)).toThrow("partition_by evaluated to null");
    const inf = compilePolicy({
      key: "a",
      policy: {
        type: "routed",
        rules: [
          {
            targets: {
              type: "weighted",
              partition_by: "get('$.session.metadata.n')",
              options: [{ agent_key: "v1", weight: 1 }],
            },
          },
        ],
      },
    });
    expect(() => inf.resolve({ session: { metadata: { n: Number.POSITIVE_INFINITY } } })).toThrow(
      "partition_by evaluated to null",
    );
    expect(() => inf.resolve({ session: { metadata: { n: cyclic } } })).toThrow(
      "rule #1: partition_by: value nested deeper than 256 levels (or cyclic)",
    );
  });
});
