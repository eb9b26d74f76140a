/** The wire schemas accept what the API documents and refuse unknown request fields. */
import { describe, expect, it } from "vitest";
import {
  createAliasBodySchema,
  createSessionBodySchema,
  patchAliasBodySchema,
} from "../../src/wire/index.js";

const policy = { type: "routed", rules: [{ targets: { type: "single", agent_key: "v1" } }] };

describe("request schemas", () => {
  it("create alias: key and name required, unknown fields refused", () => {
    expect(createAliasBodySchema.safeParse({ key: "a", name: "A", policy }).success).toBe(true);
    expect(createAliasBodySchema.safeParse({ name: "A", policy }).success).toBe(false);
    expect(createAliasBodySchema.safeParse({ key: "a", policy }).success).toBe(false);
    const extra = createAliasBodySchema.safeParse({ key: "a", name: "A", policy, colour: 1 });
    expect(extra.error?.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["colour"] });
  });

  it("patch alias refuses the policy and the key; create session refuses agent_key", () => {
    expect(patchAliasBodySchema.safeParse({ policy }).success).toBe(false);
    expect(patchAliasBodySchema.safeParse({ key: "b" }).success).toBe(false);
    expect(createSessionBodySchema.safeParse({ agent_key: "v1" }).success).toBe(false);
    expect(createSessionBodySchema.safeParse({}).success).toBe(true);
  });
});
