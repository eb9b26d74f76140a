/**
 * The alias's fields are declared once (src/wire/alias-fields.ts). Each consumer is held to
 * the table, field by field, so a field added there and missed by a consumer fails here:
 * the wire schema, check, diff, the create body, PATCH/PUT, outputs, state reading, the
 * resource class's arguments and the list of inputs in docs/resources.md.
 */
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type AliasInputs,
  type AliasOutputs,
  checkAliasInputs,
  diffAlias,
  readAliasState,
} from "../../src/provider/index.js";
import { aliasOutputs, changesBetween, createBody } from "../../src/provider/values.js";
import type { AliasArgs } from "../../src/resources/alias.js";
import { ALIAS_FIELDS, type AliasFieldName, type AliasFieldSpec, aliasSchema } from "../../src/wire/index.js";
import { REPO } from "../helpers/cli.js";
import { aliasInputs, canary } from "../helpers/policies.js";

const FIELDS = Object.entries(ALIAS_FIELDS) as [AliasFieldName, AliasFieldSpec][];

/** A valid value of each kind, different from the base inputs' values. */
const OTHER: Record<AliasFieldSpec["kind"], unknown> = {
  key: "other-key",
  name: "Other name",
  string: "other text",
  boolean: false,
  object: { other: 1 },
  policy: canary(50, 50),
  samples: [{ context: { session: { metadata: { user_id: "u" } } } }],
  timestamp: "2027-01-01T00:00:00Z",
};
/** A value of the wrong type for each kind of input. */
const WRONG: Record<AliasFieldSpec["kind"], unknown> = {
  key: "not a key!",
  name: 42,
  string: 42,
  boolean: "yes",
  object: [1],
  policy: { type: "weird" },
  samples: "none",
  timestamp: 0,
};

const base = aliasInputs({
  description: "d",
  enabled: true,
  metadata: { a: 1 },
  samples: [],
}) as unknown as AliasInputs;
const answer = {
  key: base.key,
  name: base.name,
  description: "d",
  policy: base.policy,
  enabled: true,
  metadata: { a: 1 },
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-02T00:00:00.000Z",
};
const outs = aliasOutputs(base, aliasSchema.parse(answer));

// Type level: the resource's arguments are exactly the table's inputs.
type Inputs = {
  [K in AliasFieldName]: (typeof ALIAS_FIELDS)[K]["update"] extends "output" ? never : K;
}[AliasFieldName];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const argsMatchTable: Same<keyof AliasArgs, Inputs> = true;
const inputsMatchTable: Same<keyof AliasInputs, Inputs> = true;

// Each case below is generated only for the fields it applies to, and asserts something.
beforeEach(() => {
  expect.hasAssertions();
});

describe.each(FIELDS)("alias field %s", (name, f) => {
  const isInput = f.update !== "output";

  it("the wire schema reads it by its wire name (and only wire fields)", () => {
    const shape = aliasSchema.shape as Record<string, unknown>;
    if (f.wire === undefined) expect(Object.keys(shape)).not.toContain(name);
    else expect(Object.keys(shape)).toContain(f.wire);
  });

  if (isInput)
    it("diff compares it when the table says so, and replaces on it when the table says so", () => {
      const d = diffAlias(outs as never, { ...base, [name]: OTHER[f.kind] } as never);
      expect(d.changed.includes(name)).toBe(f.diff);
      expect(d.replaces.includes(name)).toBe(f.update === "replace");
    });

  const none = f.none;
  if (none !== undefined)
    it("an absent value compares equal to its `none`", () => {
      const without = { ...base, [name]: undefined };
      const withNone = { ...base, [name]: none() };
      expect(
        diffAlias(
          aliasOutputs(
            withNone,
            aliasSchema.parse({ ...answer, ...(f.wire ? { [f.wire]: none() } : {}) }),
          ) as never,
          without as never,
        ).changed,
      ).not.toContain(name);
    });

  it("the create body carries it iff the API takes it", () => {
    const body = createBody({ ...base, [name]: OTHER[f.kind] } as AliasInputs) as Record<string, unknown>;
    expect(f.wire !== undefined && isInput && body[f.wire] !== undefined).toBe(
      f.wire !== undefined && isInput,
    );
    if (f.wire === undefined) expect(Object.keys(body)).not.toContain(name);
  });

  if (isInput && f.update !== "replace")
    it("an update sends it by PATCH or PUT as the table says", () => {
      const { patch, policy } = changesBetween(base, { ...base, [name]: OTHER[f.kind] });
      expect(Object.keys(patch)).toEqual(f.update === "patch" ? [f.wire] : []);
      expect(policy).toBe(f.update === "policy");
    });

  it("the outputs show it, and state reading keeps it", () => {
    const o = aliasOutputs({ ...base, adopt: true }, aliasSchema.parse(answer)) as unknown as Record<
      string,
      unknown
    >;
    expect(o[name]).toBeDefined();
    expect((readAliasState(o) as Record<string, unknown>)[name]).toEqual(o[name]);
  });

  if (isInput)
    it("check refuses a value of the wrong type, naming the property", () => {
      const failures = checkAliasInputs({ ...base, [name]: WRONG[f.kind] } as Record<string, unknown>);
      expect(failures.map((x) => x.property.split(/[.[]/)[0])).toContain(name);
    });

  it("docs/resources.md lists it among the Alias inputs or outputs", () => {
    const readme = readFileSync(`${REPO}docs/resources.md`, "utf8");
    const line = readme.split("\n").find((l) => l.includes("`Alias` inputs:")) ?? "";
    const para = readme.slice(readme.indexOf(line), readme.indexOf(line) + 600);
    expect(para).toContain(`\`${name}`);
  });
});

it("the table's types agree with the resource's arguments and the provider's inputs", () => {
  expect([argsMatchTable, inputsMatchTable]).toEqual([true, true]);
  expect(Object.keys(outs).sort()).toEqual(
    [...FIELDS.map(([n]) => n).filter((n) => n !== "adopt"), "stateVersion"].sort(),
  );
  expect((outs as AliasOutputs).updatedAt).toBe("2026-01-02T00:00:00.000Z");
});
