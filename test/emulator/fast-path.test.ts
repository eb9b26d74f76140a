/**
 * The session body fast path accepts only what the wire schema accepts, with the same data,
 * and accepts the ordinary bodies (otherwise it would be no fast path at all).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastSessionBody } from "../../src/emulator/validation.js";
import { createSessionBodySchema } from "../../src/wire/index.js";

const nearValid = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      key: fc.oneof(fc.stringMatching(/^[0-9a-zA-Z_-]{0,52}$/), fc.string(), fc.jsonValue()),
      name: fc.oneof(fc.string({ maxLength: 110 }), fc.jsonValue()),
      description: fc.oneof(fc.string(), fc.jsonValue()),
      metadata: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
      enabled: fc.oneof(fc.boolean(), fc.jsonValue()),
      tti_minutes: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.jsonValue()),
      secrets: fc.oneof(
        fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_ -]{0,8}$/), fc.string()),
        fc.jsonValue(),
      ),
      agent_key: fc.string(),
    },
    { requiredKeys: [] },
  ),
);

describe("fastSessionBody", () => {
  it("never accepts what createSessionBodySchema refuses, and keeps the data as the schema does", () => {
    fc.assert(
      fc.property(nearValid, (body) => {
        const fast = fastSessionBody(body);
        if (fast === undefined) return;
        const slow = createSessionBodySchema.safeParse(body);
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      }),
      { numRuns: 5000, seed: 3 },
    );
  });

  it("accepts ordinary bodies", () => {
    for (const body of [
      {},
      { name: "Support conversation", metadata: { user_id: "u1" } },
      { key: "k-1", description: "" },
    ]) {
      expect(fastSessionBody(body)).toBe(body);
    }
    expect(fastSessionBody({ key: "" })).toBeUndefined();
    expect(fastSessionBody({ name: "" })).toBeUndefined();
    expect(fastSessionBody({ metadata: [] })).toBeUndefined();
    expect(fastSessionBody({ extra: 1 })).toBeUndefined();
    // The published fields are zod's to check.
    expect(fastSessionBody({ tti_minutes: 5 })).toBeUndefined();
    expect(fastSessionBody({ secrets: { a: "b" } })).toBeUndefined();
    expect(fastSessionBody({ enabled: false })).toBeUndefined();
  });
});
