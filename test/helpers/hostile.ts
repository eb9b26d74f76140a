/** Generators of hostile input shared by the typed-errors property test and the reliability probe. */
import fc from "fast-check";

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

/** Expressions that parse, over the leaves and operators most likely to leave a range. */
export const hostileExpression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
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

export function deep(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { v };
  return v;
}

export const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

/** Routing contexts with huge and non-finite numbers, edge dates, deep, cyclic and non-plain values. */
export const hostileContext = fc.record({
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

/** A policy that routes by `match` to v1, else splits v1/v2 on `partition`: both expressions evaluated. */
export function hostilePolicy(match: string, partition: string) {
  return {
    type: "routed" as const,
    rules: [
      { match: `(${match}) == true`, targets: { type: "single" as const, agent_key: "v1" } },
      {
        targets: {
          type: "weighted" as const,
          partition_by: partition,
          options: [
            { agent_key: "v1", weight: 1 },
            { agent_key: "v2", weight: 1 },
          ],
        },
      },
    ],
  };
}
