/**
 * The Terraform schema is the core's tables and nothing else: every field of the alias and
 * AliasPolicy tables is an attribute (snake_case, flags by the table's rule), every setting
 * a provider attribute (sensitive exactly when secret), every document type's property a
 * nested attribute, every list filter a data source argument. A field added to a table and
 * missed here, or an attribute no table declares, fails.
 */
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/client/index.js";
import { DOCUMENT_TYPES } from "../../src/policy/index.js";
import { snake } from "../../src/terraform/names.js";
import {
  type Attr,
  type Block,
  DATA_SOURCE_BLOCKS,
  FUNCTION_BLOCKS,
  providerBlock,
  RESOURCE_BLOCKS,
} from "../../src/terraform/schema.js";
import {
  ALIAS_FIELDS,
  ALIAS_LIST_FILTERS,
  ALIAS_POLICY_FIELDS,
  type AliasFieldSpec,
} from "../../src/wire/index.js";

const byName = (attrs: readonly Attr[]) => Object.fromEntries(attrs.map((a) => [a.name, a]));
const flags = (a: Attr) => ({ required: !!a.required, optional: !!a.optional, computed: !!a.computed });

/** The flags the table's rule gives a field. */
function expected(f: AliasFieldSpec) {
  if (f.update === "output") return { required: false, optional: false, computed: true };
  if (f.required) return { required: true, optional: false, computed: false };
  return { required: false, optional: true, computed: f.none !== undefined };
}

describe("resources", () => {
  it.each([
    ["alias", ALIAS_FIELDS],
    ["alias_policy", ALIAS_POLICY_FIELDS],
  ] as const)("agentalias_%s has one attribute per field of its table", (name, table) => {
    const attrs = byName((RESOURCE_BLOCKS[name] as () => Block)().attributes);
    expect(Object.keys(attrs).sort()).toEqual(Object.keys(table).map(snake).sort());
    for (const [field, spec] of Object.entries(table)) {
      const a = attrs[snake(field)]!;
      expect(flags(a), field).toEqual(expected(spec));
      expect(a.doc).toBe(spec.doc);
    }
  });

  it("the policy's nested attributes are the document types' properties, at every depth", () => {
    const policy = byName(RESOURCE_BLOCKS.alias!().attributes).policy!;
    const names = (a: Attr) => a.nested!.attributes.map((x) => x.name).sort();
    const sorted = (t: keyof typeof DOCUMENT_TYPES) => Object.keys(DOCUMENT_TYPES[t].properties).sort();
    expect(names(policy)).toEqual(sorted("Policy"));
    const rules = byName(policy.nested!.attributes).rules!;
    expect(rules.nested!.nesting).toBe("LIST");
    expect(names(rules)).toEqual(sorted("Rule"));
    const targets = byName(rules.nested!.attributes).targets!;
    expect(names(targets)).toEqual(sorted("Target"));
    expect(names(byName(targets.nested!.attributes).options!)).toEqual(sorted("WeightedOption"));
  });
});

describe("provider configuration", () => {
  it("is the settings table: snake_case, optional, sensitive exactly when secret, with the variable it falls back to", () => {
    const attrs = byName(providerBlock().attributes);
    expect(Object.keys(attrs).sort()).toEqual(Object.keys(SETTINGS).map(snake).sort());
    for (const [name, s] of Object.entries(SETTINGS)) {
      const a = attrs[snake(name)]!;
      expect(!!a.sensitive, name).toBe(s.secret);
      expect(flags(a)).toEqual({ required: false, optional: true, computed: false });
      expect(a.doc).toContain(`Falls back to ${s.env}`);
    }
  });
});

describe("data sources and functions", () => {
  it("agentalias_alias reads the table's wire fields; agentalias_aliases takes the list filters", () => {
    const one = byName(DATA_SOURCE_BLOCKS.alias!().attributes);
    const wire = Object.entries(ALIAS_FIELDS).filter(([, f]) => "wire" in f);
    expect(Object.keys(one).sort()).toEqual(wire.map(([n]) => snake(n)).sort());
    const list = byName(DATA_SOURCE_BLOCKS.aliases!().attributes);
    expect(Object.keys(list).sort()).toEqual([...Object.keys(ALIAS_LIST_FILTERS), "aliases"].sort());
  });

  it("canary_policy returns the policy's type", () => {
    const f = FUNCTION_BLOCKS.canary_policy!();
    expect(f.returns.nested!.attributes.map((a) => a.name).sort()).toEqual(
      Object.keys(DOCUMENT_TYPES.Policy.properties).sort(),
    );
  });
});
