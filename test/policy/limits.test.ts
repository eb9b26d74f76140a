/**
 * The limits table (src/policy/limits.ts): each limit is held at its edge by every consumer
 * that enforces it (the policy schema, the provider's check, the canary validation, the
 * simulations and the CLI's flags), and the API's view (API_LIMITS) reads the same numbers.
 */
import { describe, expect, it } from "vitest";
import { KEYS_FLAG, parseKeys } from "../../src/cli/args.js";
import { MAX_JSON_DEPTH } from "../../src/policy/documents.js";
import {
  CANARY_LIMITS,
  DOCUMENT_LIMITS,
  diffPolicies,
  isKey,
  keySchema,
  POLICY_LIMITS,
  SIMULATION_KEYS,
  validateCanary,
} from "../../src/policy/index.js";
import { nameSchema, type Policy } from "../../src/policy/schema.js";
import { checkAliasInputs } from "../../src/provider/check.js";
import { API_LIMITS } from "../../src/wire/index.js";
import { aliasInputs } from "../helpers/policies.js";

const policy: Policy = { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] };

describe("limits, each at its edge in every consumer", () => {
  it("API_LIMITS reads the table", () => {
    expect(API_LIMITS.keyLength).toBe(POLICY_LIMITS.keyLength);
    expect(API_LIMITS.aliasNameLength).toBe(POLICY_LIMITS.nameLength);
    expect(API_LIMITS.maxRules).toBe(POLICY_LIMITS.maxRules);
    expect(API_LIMITS.maxOptions).toBe(POLICY_LIMITS.maxOptions);
    expect(API_LIMITS.jsonDepth).toBe(DOCUMENT_LIMITS.maxJsonDepth);
    expect(MAX_JSON_DEPTH).toBe(DOCUMENT_LIMITS.maxJsonDepth);
  });

  it("keyLength: the key schema, isKey and the provider's check", () => {
    const longest = "k".repeat(POLICY_LIMITS.keyLength);
    const over = `${longest}k`;
    expect(keySchema.safeParse(longest).success).toBe(true);
    expect(keySchema.safeParse(over).success).toBe(false);
    expect(isKey(longest)).toBe(true);
    expect(isKey(over)).toBe(false);
    expect(checkAliasInputs(aliasInputs({ key: longest, policy }))).toEqual([]);
    expect(checkAliasInputs(aliasInputs({ key: over, policy }))).toEqual([
      {
        property: "key",
        reason: `must be 1 to ${POLICY_LIMITS.keyLength} characters of letters, digits, '_' or '-', got "${over}"`,
      },
    ]);
  });

  it("nameLength: the name schema and the provider's check", () => {
    const longest = "n".repeat(POLICY_LIMITS.nameLength);
    expect(nameSchema.safeParse(longest).success).toBe(true);
    expect(nameSchema.safeParse(`${longest}n`).success).toBe(false);
    expect(checkAliasInputs(aliasInputs({ name: longest, policy }))).toEqual([]);
    expect(checkAliasInputs(aliasInputs({ name: `${longest}n`, policy }))).toEqual([
      { property: "name", reason: `must be a string of 1 to ${POLICY_LIMITS.nameLength} characters` },
    ]);
  });

  it("maxStageName: the canary validation", () => {
    const spec = (name: string) => ({
      from: "a",
      to: "b",
      partitionBy: "get('$.session.key')",
      current: name,
      stages: [{ name, weights: [50, 50] as const }],
    });
    expect(validateCanary(spec("s".repeat(CANARY_LIMITS.maxStageName)))).toEqual([]);
    expect(validateCanary(spec("s".repeat(CANARY_LIMITS.maxStageName + 1)))).toEqual([
      {
        path: "canary.stages[0].name",
        message: `canary.stages[0].name: a stage name is at most ${CANARY_LIMITS.maxStageName} characters, got ${CANARY_LIMITS.maxStageName + 1}`,
      },
    ]);
  });

  it("simulation keys: --keys and diffPolicies", () => {
    expect(KEYS_FLAG).toBe(SIMULATION_KEYS);
    expect(parseKeys(undefined)).toBe(SIMULATION_KEYS.default);
    expect(parseKeys(String(SIMULATION_KEYS.max))).toBe(SIMULATION_KEYS.max);
    expect(() => parseKeys(String(SIMULATION_KEYS.max + 1))).toThrow(`from 1 to ${SIMULATION_KEYS.max}`);
    expect(() => diffPolicies({ policy }, { policy }, [], { keys: SIMULATION_KEYS.max + 1 })).toThrow(
      `from ${SIMULATION_KEYS.min} to ${SIMULATION_KEYS.max}`,
    );
  });
});
