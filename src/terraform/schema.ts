/**
 * The Terraform provider's schema, derived from the core's tables and nothing else: the
 * settings table (provider configuration), the alias and AliasPolicy field tables
 * (resources, the `agentalias_alias` data source), the list filters (`agentalias_aliases`),
 * the policy document's types (nested attributes, the API's names) and the canary arguments
 * (the function). Names are the tables' names in snake_case (names.ts). GetProviderSchema
 * serves it, the value codec reads types from it, and the registry docs are written from it.
 *
 * Attribute flags follow the field table: a required field is required; a field the API
 * sets (`output`) is computed; a field with a default (`none`) is optional and computed (the
 * default when not given); the rest are optional.
 */
import { SETTINGS_DOC, settingDoc, settings } from "../client/index.js";
import {
  CANARY_POLICY_DOC,
  canaryArguments,
  type DocType,
  type DocTypeName,
  documentType,
} from "../policy/index.js";
import { STATE_VERSION } from "../provider/values.js";
import {
  ALIAS_DOC,
  ALIAS_LIST_FILTERS,
  ALIAS_POLICY_DOC,
  type AliasFieldSpec,
  aliasFields,
  aliasPolicyFields,
  type FieldKind,
} from "../wire/index.js";
import { PROVIDER_NAME, snake } from "./names.js";
import type { TfType } from "./types.js";

/** One attribute: a plain type, or nested attributes (one object, or a list of them). */
export interface Attr {
  readonly name: string;
  readonly type?: TfType;
  readonly nested?: { readonly nesting: "SINGLE" | "LIST"; readonly attributes: readonly Attr[] };
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  readonly doc: string;
  /** For a `dynamic` list of objects (Terraform cannot type them: their members differ in type), what each holds, for the docs. */
  readonly elements?: readonly Attr[];
}

export interface Block {
  /** The schema version of a resource's state (UpgradeResourceState reads older ones). */
  readonly version: number;
  readonly doc: string;
  readonly attributes: readonly Attr[];
}

type Flags = Pick<Attr, "required" | "optional" | "computed">;

/** The type a list of attributes gives their object. */
export function objectType(attributes: readonly Attr[]): TfType {
  return ["object", Object.fromEntries(attributes.map((a) => [a.name, attrType(a)]))];
}

/** An attribute's type, nested attributes included. */
export function attrType(a: Attr): TfType {
  if (a.nested === undefined) return a.type ?? "dynamic";
  const object = objectType(a.nested.attributes);
  return a.nested.nesting === "LIST" ? ["list", object] : object;
}

// ---- the policy document as nested attributes ----------------------------------------------

/** A document type's property as an attribute; inside a computed-only attribute everything is computed. */
function docAttr(name: string, t: DocType, doc: string, flags: Flags): Attr {
  switch (t.kind) {
    case "string":
      return { name, type: "string", doc, ...flags };
    case "integer":
      return { name, type: "number", doc, ...flags };
    case "boolean":
      return { name, type: "bool", doc, ...flags };
    case "json":
      return { name, type: "dynamic", doc, ...flags };
    case "ref":
      return { name, nested: { nesting: "SINGLE", attributes: docAttrs(t.name, flags) }, doc, ...flags };
    case "list":
      if (t.of.kind === "ref")
        return { name, nested: { nesting: "LIST", attributes: docAttrs(t.of.name, flags) }, doc, ...flags };
      return { name, type: ["list", attrType(docAttr(name, t.of, doc, flags))], doc, ...flags };
  }
}

/** The properties of a document type as attributes (required ones required, unless all is computed). */
function docAttrs(type: DocTypeName, outer: Flags): Attr[] {
  return Object.entries(documentType(type).properties).map(([name, p]) => {
    const flags: Flags =
      outer.computed && !outer.optional
        ? { computed: true }
        : p.required
          ? { required: true }
          : { optional: true };
    return docAttr(name, p.type, p.doc, flags);
  });
}

// ---- fields of the tables as attributes ----------------------------------------------------

function flagsOf(f: AliasFieldSpec): Flags {
  if (f.update === "output") return { computed: true };
  if (f.required) return { required: true };
  if (f.none !== undefined) return { optional: true, computed: true };
  return { optional: true };
}

/** A field of the alias or AliasPolicy table as an attribute, by its kind. */
function fieldAttr(name: string, kind: FieldKind, doc: string, flags: Flags): Attr {
  const n = snake(name);
  switch (kind) {
    case "key":
    case "name":
    case "string":
    case "timestamp":
      return { name: n, type: "string", doc, ...flags };
    case "boolean":
      return { name: n, type: "bool", doc, ...flags };
    case "object":
      return { name: n, type: "dynamic", doc, ...flags };
    case "samples":
      return { name: n, type: "dynamic", doc, ...flags, elements: docAttrs("Sample", { optional: true }) };
    case "policy":
      return { name: n, nested: { nesting: "SINGLE", attributes: docAttrs("Policy", flags) }, doc, ...flags };
  }
}

const tableAttrs = (fields: [string, AliasFieldSpec][]): Attr[] =>
  fields.map(([name, f]) => fieldAttr(name, f.kind, f.doc, flagsOf(f)));

// ---- the schemas ---------------------------------------------------------------------------

export const PROVIDER_DOC = `The ${PROVIDER_NAME} provider: ${SETTINGS_DOC} Every setting falls back to its environment variable, as the Pulumi provider's do.`;

/** The provider configuration: the settings table. */
export const providerBlock = (): Block => ({
  version: 0,
  doc: PROVIDER_DOC,
  attributes: settings().map(([name, s]) => ({
    name: snake(name),
    type: "string",
    optional: true,
    ...(s.secret ? { sensitive: true } : {}),
    doc: settingDoc(name),
  })),
});

/** `agentalias_alias` and `agentalias_alias_policy`, by resource name. */
export const RESOURCE_BLOCKS: Readonly<Record<string, () => Block>> = {
  alias: () => ({ version: STATE_VERSION, doc: ALIAS_DOC, attributes: tableAttrs(aliasFields()) }),
  alias_policy: () => ({
    version: STATE_VERSION,
    doc: ALIAS_POLICY_DOC,
    attributes: tableAttrs(aliasPolicyFields()),
  }),
};

/** What the API stores of an alias: the wire fields of the table. */
const aliasAsRead = (): Attr[] =>
  aliasFields()
    .filter(([, f]) => f.wire !== undefined)
    .map(([name, f]) =>
      fieldAttr(name, f.kind, f.doc, f.update === "replace" ? { required: true } : { computed: true }),
    );

/** The list's elements (the attribute itself is dynamic: their metadata differ in type). */
export const LISTED_ALIAS_ATTRIBUTES = (): Attr[] =>
  aliasAsRead().map((a) => ({ ...a, required: false, computed: true }));

/** `agentalias_alias` (one alias by key) and `agentalias_aliases` (a list, with the API's filters). */
export const DATA_SOURCE_BLOCKS: Readonly<Record<string, () => Block>> = {
  alias: () => ({ version: 0, doc: "Reads one alias by its key.", attributes: aliasAsRead() }),
  aliases: () => ({
    version: 0,
    doc: "Lists aliases, with the API's filters.",
    attributes: [
      ...Object.entries(ALIAS_LIST_FILTERS).map(([name, f]) =>
        fieldAttr(name, f.kind, f.doc, { optional: true }),
      ),
      {
        name: "aliases",
        type: "dynamic",
        computed: true,
        doc: "The aliases, in the API's order: each an object with the attributes of the `agentalias_alias` data source.",
        elements: LISTED_ALIAS_ATTRIBUTES(),
      },
    ],
  }),
};

/** A provider function: its one parameter and its result. */
export interface FunctionBlock {
  readonly summary: string;
  readonly doc: string;
  readonly parameter: { readonly name: string; readonly doc: string; readonly attributes: readonly Attr[] };
  readonly returns: Attr;
}

/** `provider::agentalias::canary_policy(canary)`: a policy file's `canary:` block in, the stage's policy out. */
export const FUNCTION_BLOCKS: Readonly<Record<string, () => FunctionBlock>> = {
  canary_policy: () => ({
    summary: "The policy of a canary rollout at its current stage.",
    doc: CANARY_POLICY_DOC,
    parameter: {
      name: "canary",
      doc: "A canary block, as a policy file's `canary:` holds it (the policy's snake_case names).",
      attributes: canaryArguments().map(([, a]) =>
        docAttr(a.yaml, a.type, a.doc, a.required ? { required: true } : { optional: true }),
      ),
    },
    returns: docAttr("policy", { kind: "ref", name: "Policy" }, "The policy at the current stage.", {
      computed: true,
    }),
  }),
};
