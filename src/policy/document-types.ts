/**
 * The policy document's types (ROUTING.md §1) as data, declared once for every door's
 * schema: the Pulumi package schema's types (`agent-alias:index:Rule`) and the Terraform
 * provider's nested attributes (`policy.rules[].targets.options[]`) are both derived from
 * this table, under the API's names. A test holds the table to the zod schemas that
 * validate the same document (schema.ts, samples.ts, canary.ts), so a field added to one and
 * not the other fails.
 */

/** The types of the document, by the names the Pulumi schema gives them. */
export type DocTypeName = "Policy" | "Rule" | "Target" | "WeightedOption" | "CanaryStage" | "Sample";

/** The type of a property: scalars, another type of this table, a list of one, or free-form JSON. */
export type DocType =
  | { readonly kind: "string" | "integer" | "boolean" | "json" }
  | { readonly kind: "ref"; readonly name: DocTypeName }
  | { readonly kind: "list"; readonly of: DocType };

export interface DocProperty {
  readonly type: DocType;
  readonly doc: string;
  readonly required: boolean;
}

export interface DocTypeSpec {
  readonly doc: string;
  readonly properties: Readonly<Record<string, DocProperty>>;
}

const str = { kind: "string" } as const;
const ref = (name: DocTypeName): DocType => ({ kind: "ref", name });
const list = (of: DocType): DocType => ({ kind: "list", of });
const prop = (type: DocType, doc: string, required = false): DocProperty => ({ type, doc, required });

export const DOCUMENT_TYPES = {
  Policy: {
    doc: "A routing policy: ordered rules, the first that matches wins.",
    properties: {
      type: prop(str, "Always `routed`.", true),
      rules: prop(list(ref("Rule")), "The rules, in order.", true),
    },
  },
  Rule: {
    doc: "A rule: a UserFn `match` (none: a catch-all) and its targets.",
    properties: {
      match: prop(str, "A UserFn expression; absent for a catch-all rule."),
      targets: prop(ref("Target"), "Where the sessions this rule matches go.", true),
    },
  },
  Target: {
    doc: "One agent (`single`), or a sticky weighted split hashed on `partition_by` (`weighted`).",
    properties: {
      type: prop(str, "`single` or `weighted`.", true),
      agent_key: prop(str, "The agent of a single target."),
      partition_by: prop(
        str,
        "The UserFn expression a weighted target hashes on, e.g. get('$.session.metadata.user_id', '').",
      ),
      options: prop(list(ref("WeightedOption")), "The agents of a weighted target and their weights."),
    },
  },
  WeightedOption: {
    doc: "An agent of a weighted target and its weight (an integer >= 0).",
    properties: {
      agent_key: prop(str, "The agent.", true),
      weight: prop({ kind: "integer" }, "Its weight, relative to the others'.", true),
    },
  },
  CanaryStage: {
    doc: "A canary stage: its name and the weights of [from, to].",
    properties: {
      name: prop(str, "The stage's name, e.g. canary-20.", true),
      weights: prop(list({ kind: "integer" }), "The weights of [from, to], integers >= 0, not both 0.", true),
    },
  },
  Sample: {
    doc: "A sample session resolved at every preview; a missed `expect` fails it.",
    properties: {
      name: prop(str, "A label for messages (default: its position)."),
      context: prop({ kind: "json" }, "The routing context, e.g. {session: {metadata: {tenant: eu}}}.", true),
      expect: prop(str, "The agent this sample must reach."),
    },
  },
} as const satisfies Record<DocTypeName, DocTypeSpec>;

/** The spec of a type, typed as the common spec. */
export const documentType = (name: DocTypeName): DocTypeSpec => DOCUMENT_TYPES[name];

/** The names of a type's required properties, in order. */
export const requiredProperties = (name: DocTypeName): string[] =>
  Object.entries(documentType(name).properties)
    .filter(([, p]) => p.required)
    .map(([n]) => n);
