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
import {
  hostileContext as context,
  cyclic,
  hostileExpression as expr,
  hostilePolicy,
} from "../helpers/hostile.js";

/** A one-rule policy split on `partition`. */
const splitOn = (partition: string) =>
  compilePolicy({
    key: "a",
    policy: {
      type: "routed",
      rules: [
        { targets: { type: "weighted", partition_by: partition, options: [{ agent_key: "v1", weight: 1 }] } },
      ],
    },
  });

describe("typed errors only", () => {
  it("evaluate: generated expressions over hostile contexts", () => {
    fc.assert(
      fc.property(expr, context, (src, ctx) => {
        fc.pre(diagnose(src).length === 0);
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
        fc.pre(diagnose(m).length === 0 && diagnose(p).length === 0);
        const policy = compilePolicy({
          key: "a",
          policy: hostilePolicy(m, p),
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

  it("results past the representable range: null, not a RangeError", () => {
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
    const policy = splitOn(
      "iso_datetime_parse(get('$.session.metadata.d')) + hours(get('$.session.metadata.h'))",
    );
    expect(() => policy.resolve(ctx)).toThrow("partition_by evaluated to null");
    // The rule and the part are fields of the error: nothing parses its message.
    expect(() => policy.resolve(ctx)).toThrow(expect.objectContaining({ rule: 1, part: "partition_by" }));
    const inf = splitOn("get('$.session.metadata.n')");
    expect(() => inf.resolve({ session: { metadata: { n: Number.POSITIVE_INFINITY } } })).toThrow(
      "partition_by evaluated to null",
    );
    expect(() => inf.resolve({ session: { metadata: { n: cyclic } } })).toThrow(
      "rule #1: partition_by: value nested deeper than 256 levels (or cyclic)",
    );
  });
});
