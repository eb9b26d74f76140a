import { describe, expect, it } from "vitest";
import { compilePolicy, PolicyValidationError, validatePolicy } from "../../src/policy/index.js";

const single = (agent_key = "a") => ({ type: "single", agent_key });
const weighted = (extra: Record<string, unknown> = {}) => ({
  type: "weighted",
  partition_by: "get('$.session.key')",
  options: [
    { agent_key: "a", weight: 90 },
    { agent_key: "b", weight: 10 },
  ],
  ...extra,
});
const doc = (rules: unknown[], extra: Record<string, unknown> = {}) => ({
  key: "support",
  name: "Support",
  policy: { type: "routed", rules },
  ...extra,
});

describe("validation messages (ROUTING.md §4)", () => {
  it("a valid document has no issues", () => {
    expect(validatePolicy(doc([{ match: "true", targets: single() }, { targets: weighted() }]))).toEqual([]);
  });

  it("a file holding only policy: is valid", () => {
    expect(validatePolicy({ policy: { type: "routed", rules: [{ targets: single() }] } })).toEqual([]);
  });

  it.each<[string, unknown, { path: string; message: string }[]]>([
    [
      "unreachable rule (the API's exact message; only the first)",
      doc([{ targets: single() }, { match: "true", targets: single() }, { targets: single() }]),
      [{ path: "policy.rules[1]", message: "rule #2 follows a catch-all rule and is unreachable" }],
    ],
    [
      "weighted target without partition_by (exact)",
      doc([{ targets: weighted({ partition_by: undefined }) }]),
      [{ path: "policy.rules[0].targets.partition_by", message: "partition_by is required." }],
    ],
    [
      "empty rules",
      doc([]),
      [{ path: "policy.rules", message: "policy.rules: at least one rule is required" }],
    ],
    [
      "unknown policy type",
      { key: "k", policy: { type: "random", rules: [{ targets: single() }] } },
      [
        {
          path: "policy.type",
          message: "policy.type: unknown policy type \"random\"; the only type is 'routed'",
        },
      ],
    ],
    [
      "unknown target type",
      doc([{ targets: { type: "split", agent_key: "a" } }]),
      [
        {
          path: "policy.rules[0].targets.type",
          message: "rule #1: targets.type: unknown target type \"split\"; expected 'single' or 'weighted'",
        },
      ],
    ],
    [
      "empty options",
      doc([{ targets: weighted({ options: [] }) }]),
      [
        {
          path: "policy.rules[0].targets.options",
          message: "rule #1: targets.options: at least one option is required",
        },
      ],
    ],
    [
      "a fractional weight",
      doc([{ targets: weighted({ options: [{ agent_key: "a", weight: 1.5 }] }) }]),
      [
        {
          path: "policy.rules[0].targets.options[0].weight",
          message: "rule #1: targets.options[0].weight: weight must be an integer >= 0",
        },
      ],
    ],
    [
      "a negative weight",
      doc([
        {
          targets: weighted({
            options: [
              { agent_key: "a", weight: 5 },
              { agent_key: "b", weight: -1 },
            ],
          }),
        },
      ]),
      [
        {
          path: "policy.rules[0].targets.options[1].weight",
          message: "rule #1: targets.options[1].weight: weight must be an integer >= 0",
        },
      ],
    ],
    [
      "a weight given as a string",
      doc([{ targets: weighted({ options: [{ agent_key: "a", weight: "5" }] }) }]),
      [
        {
          path: "policy.rules[0].targets.options[0].weight",
          message: "rule #1: targets.options[0].weight: weight must be an integer >= 0",
        },
      ],
    ],
    [
      "all weights zero",
      doc([
        {
          targets: weighted({
            options: [
              { agent_key: "a", weight: 0 },
              { agent_key: "b", weight: 0 },
            ],
          }),
        },
      ]),
      [
        {
          path: "policy.rules[0].targets.options",
          message: "rule #1: targets.options: all weights are 0; at least one option needs a weight above 0",
        },
      ],
    ],
    [
      "the same agent twice in one target",
      doc([
        {
          targets: weighted({
            options: [
              { agent_key: "a", weight: 5 },
              { agent_key: "a", weight: 5 },
            ],
          }),
        },
      ]),
      [
        {
          path: "policy.rules[0].targets.options[1].agent_key",
          message:
            "rule #1: targets.options[1].agent_key: agent 'a' appears twice in this target (first at options[0])",
        },
      ],
    ],
    [
      "a match that does not parse",
      doc([{ match: "1 +", targets: single() }, { targets: single() }]),
      [
        {
          path: "policy.rules[0].match",
          message: "rule #1: match: unexpected end of expression at column 4",
        },
      ],
    ],
    [
      "an unknown function (the spec's example)",
      doc([
        { match: "true", targets: single() },
        { match: "lower('A') == 'a'", targets: single() },
      ]),
      [{ path: "policy.rules[1].match", message: "rule #2: match: unknown function 'lower' at column 1" }],
    ],
    [
      "a misspelt function: the nearest names of the language, same first letter",
      doc([
        {
          match: "lowr('A') == 'a' || sqr(4) == 2 || iso_datetime_pars('2026-01-01') == now()",
          targets: single(),
        },
      ]),
      [
        {
          path: "policy.rules[0].match",
          message: "rule #1: match: unknown function 'lowr' at column 1; did you mean 'log'?",
        },
        {
          path: "policy.rules[0].match",
          message: "rule #1: match: unknown function 'sqr' at column 21; did you mean 'sqrt'?",
        },
        {
          path: "policy.rules[0].match",
          message:
            "rule #1: match: unknown function 'iso_datetime_pars' at column 36; did you mean 'iso_datetime_parse'?",
        },
      ],
    ],
    [
      "misspelt fields, at any depth: the names the schema has there",
      {
        key: "k",
        polcy: {},
        policy: { type: "routed", rules: [{ mtach: "true", targets: { type: "single", agnet_key: "a" } }] },
      },
      [
        { path: "polcy", message: "polcy: unknown field 'polcy'; did you mean 'policy'?" },
        { path: "policy.rules[0].targets.agent_key", message: "rule #1: targets.agent_key: is required" },
        {
          path: "policy.rules[0].targets.agnet_key",
          message: "rule #1: targets.agnet_key: unknown field 'agnet_key'; did you mean 'agent_key'?",
        },
        {
          path: "policy.rules[0].mtach",
          message: "rule #1: mtach: unknown field 'mtach'; did you mean 'match'?",
        },
      ],
    ],
    [
      "the wrong number of arguments",
      doc([{ match: "abs(1, 2) > 0", targets: single() }]),
      [
        {
          path: "policy.rules[0].match",
          message: "rule #1: match: function 'abs' takes 1 argument, got 2 at column 1",
        },
      ],
    ],
    [
      "an indefinite path in partition_by",
      doc([{ targets: weighted({ partition_by: "get('$.session.metadata[*]')" }) }]),
      [
        {
          path: "policy.rules[0].targets.partition_by",
          message:
            "rule #1: partition_by: invalid path '$.session.metadata[*]': wildcard '[*]' is not a definite path at column 5",
        },
      ],
    ],
    [
      "an expression over the length limit",
      doc([{ match: `1 == ${"1".repeat(4100)}`, targets: single() }]),
      [
        {
          path: "policy.rules[0].match",
          message: "rule #1: match: expression is 4105 characters long; the limit is 4096 at column 4097",
        },
      ],
    ],
    [
      "an expression over the nesting limit",
      doc([{ match: `${"(".repeat(65)}true${")".repeat(65)}`, targets: single() }]),
      [
        {
          path: "policy.rules[0].match",
          message: "rule #1: match: expression nests deeper than 64 levels at column 65",
        },
      ],
    ],
    [
      "a misspelt field",
      doc([{ targets: weighted({ partiton_by: "x" }) }]),
      [
        {
          path: "policy.rules[0].targets.partiton_by",
          message: "rule #1: targets.partiton_by: unknown field 'partiton_by'; did you mean 'partition_by'?",
        },
      ],
    ],
    [
      "a bad alias key",
      doc([{ targets: single() }], { key: "bad key!" }),
      [{ path: "key", message: "key: must be 1 to 50 characters of letters, digits, '_' or '-'" }],
    ],
    [
      "a bad agent key",
      doc([{ targets: single("no spaces") }]),
      [
        {
          path: "policy.rules[0].targets.agent_key",
          message: "rule #1: targets.agent_key: must be 1 to 50 characters of letters, digits, '_' or '-'",
        },
      ],
    ],
    [
      "a missing agent key",
      doc([{ targets: { type: "single" } }]),
      [{ path: "policy.rules[0].targets.agent_key", message: "rule #1: targets.agent_key: is required" }],
    ],
    [
      "a match of the wrong type",
      doc([{ match: 5, targets: single() }]),
      [{ path: "policy.rules[0].match", message: "rule #1: match: must be a string, got a number" }],
    ],
    [
      "a name over 100 characters",
      doc([{ targets: single() }], { name: "n".repeat(101) }),
      [{ path: "name", message: "name: must be at most 100 characters" }],
    ],
    ["no policy at all", { key: "k" }, [{ path: "policy", message: "policy: is required" }]],
    ["not an object", "just a string", [{ path: "", message: "must be an object, got a string" }]],
  ])("%s", (_name, input, expected) => {
    expect(validatePolicy(input)).toEqual(expected);
  });

  it("reports every problem at once, ordered by rule", () => {
    const issues = validatePolicy(
      doc([
        { match: "lower('x')", targets: single() },
        { targets: weighted({ partition_by: undefined }) },
        { match: "get('$..x')", targets: single("bad key") },
      ]),
    );
    expect(issues.map((i) => i.path)).toEqual([
      "policy.rules[0].match",
      "policy.rules[1].targets.partition_by",
      "policy.rules[2].targets.agent_key",
      "policy.rules[2]",
      "policy.rules[2].match",
    ]);
  });

  it("expression issues carry the source and range for a caret, without showing them in JSON", () => {
    const [issue] = validatePolicy(doc([{ match: "true && lower('x')", targets: single() }]));
    expect(JSON.parse(JSON.stringify(issue))).toEqual({
      path: "policy.rules[0].match",
      message: "rule #1: match: unknown function 'lower' at column 9",
    });
    expect(issue).toMatchObject({ source: "true && lower('x')", range: { start: 8, end: 13 } });
  });

  it("compilePolicy throws with the issues attached", () => {
    const bad = doc([{ targets: single() }, { targets: single() }]);
    try {
      compilePolicy(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyValidationError);
      expect((e as PolicyValidationError).code).toBe("invalid_policy");
      expect((e as PolicyValidationError).issues).toEqual(validatePolicy(bad));
    }
  });
});
