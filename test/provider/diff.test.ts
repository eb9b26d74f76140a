import { describe, expect, it } from "vitest";
import { diffAlias, diffAliasPolicy, UNKNOWN } from "../../src/provider/index.js";
import { aliasInputs, canary } from "../helpers/policies.js";

/** Outputs as create writes them. */
const outputs = (over: Record<string, unknown> = {}) => ({
  ...aliasInputs(),
  description: "",
  enabled: true,
  metadata: {},
  samples: [],
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  stateVersion: 1,
  ...over,
});

describe("Alias diff (pure)", () => {
  it("no change: changes is explicitly false", () => {
    expect(diffAlias(outputs(), aliasInputs())).toEqual({
      changes: false,
      replaces: [],
      changed: [],
      detailed: {},
      deleteBeforeReplace: true,
    });
  });

  it("defaults compare equal to the API's values (no spurious diff)", () => {
    expect(diffAlias(outputs(), aliasInputs({ description: "", enabled: true, metadata: {} })).changes).toBe(
      false,
    );
  });

  it("policy key order and a null match do not count as changes", () => {
    const reordered = JSON.parse(JSON.stringify(canary(90, 10)), (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(diffAlias(outputs(), aliasInputs({ policy: reordered })).changes).toBe(false);
    const withNull = canary(90, 10);
    (withNull.rules[1] as Record<string, unknown>).match = null;
    expect(diffAlias(outputs(), aliasInputs({ policy: withNull })).changes).toBe(false);
  });

  it("a stage change updates the policy in place", () => {
    // Property-level: exactly the two weights that change, nothing else of the policy.
    expect(diffAlias(outputs(), aliasInputs({ policy: canary(80, 20) }))).toEqual({
      changes: true,
      replaces: [],
      changed: ["policy"],
      detailed: {
        "policy.rules[1].targets.options[0].weight": { kind: "UPDATE", inputDiff: true },
        "policy.rules[1].targets.options[1].weight": { kind: "UPDATE", inputDiff: true },
      },
      deleteBeforeReplace: true,
    });
  });

  it("each field updates in place; key replaces", () => {
    expect(diffAlias(outputs(), aliasInputs({ name: "n2" })).changed).toEqual(["name"]);
    expect(diffAlias(outputs(), aliasInputs({ description: "d" })).changed).toEqual(["description"]);
    expect(diffAlias(outputs(), aliasInputs({ enabled: false })).changed).toEqual(["enabled"]);
    expect(diffAlias(outputs(), aliasInputs({ metadata: { a: 1 } })).changed).toEqual(["metadata"]);
    expect(diffAlias(outputs(), aliasInputs({ samples: [{ context: {} }] })).changed).toEqual(["samples"]);
    expect(diffAlias(outputs(), aliasInputs({ key: "other" }))).toEqual({
      changes: true,
      replaces: ["key"],
      changed: ["key"],
      detailed: { key: { kind: "UPDATE_REPLACE", inputDiff: true } },
      // A new key is free already: the new alias is created before the old one is deleted.
      deleteBeforeReplace: false,
    });
    expect(diffAlias(outputs(), aliasInputs({ description: "d" })).detailed).toEqual({
      description: { kind: "UPDATE", inputDiff: true },
    });
    expect(
      diffAlias(
        outputs({ metadata: { team: "cx", "odd key": 1 } }),
        aliasInputs({ metadata: { team: "cx", tier: 2 } }),
      ).detailed,
    ).toEqual({
      'metadata["odd key"]': { kind: "DELETE", inputDiff: true },
      "metadata.tier": { kind: "ADD", inputDiff: true },
    });
  });

  it("an unknown new value is a change (and an unknown key a replacement)", () => {
    expect(diffAlias(outputs(), aliasInputs({ name: UNKNOWN })).changed).toEqual(["name"]);
    expect(diffAlias(outputs(), aliasInputs({ key: UNKNOWN })).replaces).toEqual(["key"]);
    const p = canary(90, 10);
    p.rules[1]!.targets = UNKNOWN as never;
    expect(diffAlias(outputs(), aliasInputs({ policy: p })).changed).toEqual(["policy"]);
    // The unknown part is the change; the known rules around it are not reported.
    expect(Object.keys(diffAlias(outputs(), aliasInputs({ policy: p })).detailed)).toEqual([
      "policy.rules[1].targets",
    ]);
  });

  it("reads state written before stateVersion, with snake_case timestamps and missing defaults", () => {
    const old = {
      key: "p-alias",
      name: "Provider alias",
      policy: canary(90, 10),
      created_at: "2025-01-01T00:00:00.000Z",
    };
    expect(diffAlias(old, aliasInputs()).changes).toBe(false);
    expect(diffAlias(old, aliasInputs({ enabled: false })).changed).toEqual(["enabled"]);
  });
});

describe("AliasPolicy diff (pure)", () => {
  const old = {
    aliasKey: "a",
    policy: canary(95, 5),
    samples: [],
    previousPolicy: canary(100, 0),
    updatedAt: "x",
    stateVersion: 1,
  };
  it("policy updates, aliasKey replaces, nothing is nothing", () => {
    expect(diffAliasPolicy(old, { aliasKey: "a", policy: canary(95, 5) })).toEqual({
      changes: false,
      replaces: [],
      changed: [],
      detailed: {},
      deleteBeforeReplace: true,
    });
    expect(diffAliasPolicy(old, { aliasKey: "a", policy: canary(80, 20) }).changed).toEqual(["policy"]);
    expect(diffAliasPolicy(old, { aliasKey: "b", policy: canary(95, 5) }).replaces).toEqual(["aliasKey"]);
  });
});
