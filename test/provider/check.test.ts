import { describe, expect, it } from "vitest";
import {
  checkAliasInputs,
  checkAliasPolicyInputs,
  engineFailure,
  UNKNOWN,
} from "../../src/provider/index.js";
import { aliasInputs, canary } from "../helpers/policies.js";

describe("Alias check (pure)", () => {
  it("accepts valid inputs", () => {
    expect(checkAliasInputs(aliasInputs())).toEqual([]);
  });

  it("reports policy problems with the API's messages and their property paths", () => {
    const policy = {
      type: "routed",
      rules: [
        { targets: { type: "single", agent_key: "a" } },
        { match: "lower('x')", targets: { type: "weighted", options: [{ agent_key: "a", weight: 1 }] } },
      ],
    };
    expect(checkAliasInputs(aliasInputs({ policy }))).toEqual([
      { property: "policy.rules[1]", reason: "rule #2 follows a catch-all rule and is unreachable" },
      { property: "policy.rules[1].match", reason: "rule #2: match: unknown function 'lower' at column 1" },
      { property: "policy.rules[1].targets.partition_by", reason: "partition_by is required." },
    ]);
  });

  it("reports bad fields by name", () => {
    expect(
      checkAliasInputs({ key: "bad key", name: "", policy: canary(1, 1), enabled: "yes", metadata: [] }),
    ).toEqual([
      {
        property: "key",
        reason: "must be 1 to 50 characters of letters, digits, '_' or '-', got \"bad key\"",
      },
      { property: "name", reason: "must be a string of 1 to 100 characters" },
      { property: "enabled", reason: "must be a boolean" },
      { property: "metadata", reason: "must be an object" },
    ]);
    expect(checkAliasInputs({})).toEqual([
      { property: "key", reason: "is required" },
      { property: "name", reason: "is required" },
      { property: "policy", reason: "is required" },
    ]);
  });

  it("resolves every sample; a missed expect names the sample and both agents", () => {
    const samples = [
      { name: "eu", context: { session: { metadata: { tenant: "eu" } } }, expect: "p-v2" },
      { name: "wrong", context: { session: { metadata: { tenant: "eu" } } }, expect: "p-v1" },
      { context: { session: { metadata: { user_id: "u-1" } } } },
    ];
    expect(checkAliasInputs(aliasInputs({ samples }))).toEqual([
      { property: "samples[1].expect", reason: "sample 'wrong' expected p-v1, got p-v2 (rule #1)" },
    ]);
  });

  it("a sample that cannot be routed is a failure naming it", () => {
    const policy = {
      type: "routed",
      rules: [{ match: "false", targets: { type: "single", agent_key: "a" } }],
    };
    expect(checkAliasInputs(aliasInputs({ policy, samples: [{ name: "any", context: {} }] }))).toEqual([
      {
        property: "samples[0]",
        reason: "sample 'any' could not be routed: no rule matched and no catch-all rule was provided",
      },
    ]);
  });

  it("sample contexts without agent get the alias (its metadata is readable)", () => {
    const policy = {
      type: "routed",
      rules: [
        { match: "get('$.agent.metadata.team') == 'cx'", targets: { type: "single", agent_key: "a" } },
        { targets: { type: "single", agent_key: "b" } },
      ],
    };
    expect(
      checkAliasInputs(
        aliasInputs({ policy, metadata: { team: "cx" }, samples: [{ context: {}, expect: "a" }] }),
      ),
    ).toEqual([]);
  });

  it("tolerates unknown values during preview", () => {
    expect(
      checkAliasInputs({ key: UNKNOWN, name: UNKNOWN, policy: UNKNOWN, samples: UNKNOWN, metadata: UNKNOWN }),
    ).toEqual([]);
    expect(checkAliasInputs(aliasInputs({ key: UNKNOWN }))).toEqual([]);
    const partlyUnknown = canary(90, 10);
    (partlyUnknown.rules[0]!.targets as { agent_key: string }).agent_key = UNKNOWN;
    expect(checkAliasInputs(aliasInputs({ policy: partlyUnknown }))).toEqual([]);
    // What is known is still checked.
    expect(checkAliasInputs({ key: "bad key", name: UNKNOWN, policy: UNKNOWN })).toHaveLength(1);
  });
});

describe("AliasPolicy check (pure)", () => {
  it("accepts valid inputs and reports bad ones", () => {
    expect(checkAliasPolicyInputs({ aliasKey: "support", policy: canary(50, 50) })).toEqual([]);
    expect(checkAliasPolicyInputs({ aliasKey: "no way", policy: { type: "routed", rules: [] } })).toEqual([
      {
        property: "aliasKey",
        reason: "must be 1 to 50 characters of letters, digits, '_' or '-', got \"no way\"",
      },
      { property: "policy.rules", reason: "policy.rules: at least one rule is required" },
    ]);
  });
  it("tolerates unknowns", () => {
    expect(checkAliasPolicyInputs({ aliasKey: UNKNOWN, policy: UNKNOWN })).toEqual([]);
  });
});

describe("check failures as the engine is given them", () => {
  it("name the path in the reason, as the CLI prints it, and no property (so no value dump)", () => {
    expect(
      engineFailure({
        property: "policy.rules[1]",
        reason: "rule #2 follows a catch-all rule and is unreachable",
      }),
    ).toEqual({
      property: "",
      reason: "policy.rules[1]: rule #2 follows a catch-all rule and is unreachable",
    });
    expect(engineFailure({ property: "", reason: "whole" })).toEqual({ property: "", reason: "whole" });
    // The core never repeats the path in the reason.
    for (const f of checkAliasInputs({ key: "bad key", name: "", enabled: "yes", samples: {} }))
      expect(f.reason.startsWith(f.property)).toBe(false);
  });

  it("the route of each sample, as the preview logs it", () => {
    const routes: string[] = [];
    checkAliasInputs(
      aliasInputs({ samples: [{ name: "eu", context: { session: { metadata: { tenant: "eu" } } } }] }),
      routes,
    );
    expect(routes).toEqual(["sample 'eu' -> p-v2 (rule #1)"]);
  });
});
