/**
 * The tables the doors' schemas are made from answer to the schemas that validate the same
 * documents: the policy document's types to the zod schemas of the policy, samples and
 * canary stages; the canary arguments to a policy file's `canary:` block; the alias list
 * filters to the list query. A field added to one side and not the other fails here.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { canaryBlockSchema } from "../../src/policy/canary-validate.js";
import {
  CANARY_ARGUMENTS,
  DOCUMENT_TYPES,
  requiredProperties,
  sampleSchema,
} from "../../src/policy/index.js";
import {
  policySchema,
  ruleSchema,
  singleTargetSchema,
  weightedOptionSchema,
  weightedTargetSchema,
} from "../../src/policy/schema.js";
import { ALIAS_LIST_FILTERS, aliasListQuerySchema } from "../../src/wire/index.js";

const keys = (s: { shape: Record<string, unknown> }) => Object.keys(s.shape).sort();
const props = (name: keyof typeof DOCUMENT_TYPES) => Object.keys(DOCUMENT_TYPES[name].properties).sort();
/** The properties a strict object schema requires (not optional). */
const required = (s: { shape: Record<string, z.ZodType> }) =>
  Object.entries(s.shape)
    .filter(([, t]) => !t.safeParse(undefined).success)
    .map(([k]) => k)
    .sort();

describe("the policy document's types", () => {
  it("name exactly the fields the zod schemas accept", () => {
    expect(props("Policy")).toEqual(keys(policySchema));
    expect(props("Rule")).toEqual(keys(ruleSchema));
    expect(props("Target")).toEqual(
      [...new Set([...keys(singleTargetSchema), ...keys(weightedTargetSchema)])].sort(),
    );
    expect(props("WeightedOption")).toEqual(keys(weightedOptionSchema));
    expect(props("Sample")).toEqual(keys(sampleSchema));
    const stage = canaryBlockSchema.shape.stages.unwrap().element;
    for (const p of props("CanaryStage")) expect(keys(stage)).toContain(p);
  });

  it("require what the zod schemas require", () => {
    expect(requiredProperties("Policy").sort()).toEqual(required(policySchema));
    expect(requiredProperties("WeightedOption").sort()).toEqual(required(weightedOptionSchema));
    expect(requiredProperties("Sample").sort()).toEqual(required(sampleSchema));
    // A rule's match is optional (a catch-all); a target's type is all both target kinds require.
    expect(requiredProperties("Rule")).toEqual(required(ruleSchema));
    expect(requiredProperties("Target")).toEqual(
      required(singleTargetSchema).filter((k) => required(weightedTargetSchema).includes(k)),
    );
  });
});

describe("the canary arguments", () => {
  it("are the fields of a policy file's canary: block, required where it requires them", () => {
    const block = canaryBlockSchema.shape;
    for (const [name, a] of Object.entries(CANARY_ARGUMENTS)) {
      expect(Object.keys(block), name).toContain(a.yaml);
      expect(!(block[a.yaml as keyof typeof block] as z.ZodType).safeParse(undefined).success, name).toBe(
        a.required,
      );
    }
  });
});

describe("the alias list filters", () => {
  it("are the list query's fields besides paging", () => {
    const query = Object.keys(aliasListQuerySchema.shape).filter((k) => k !== "limit" && k !== "page_key");
    expect(Object.keys(ALIAS_LIST_FILTERS).sort()).toEqual(query.sort());
  });
});
