/**
 * The fields of an alias, declared once. Each entry says what the field is called on the
 * wire and as a resource property, what the API's answer may hold (null or absent read as
 * `none`), how a change reaches the API, and whether diff compares it and the outputs show
 * it. The wire schema of an alias (aliases.ts), the provider's check, diff, outputs, create
 * body and adoption (src/provider), and the resource class all read this table, so adding a
 * field is one entry here; a test fails when a consumer misses one.
 */
import { z } from "zod";
import { answeredPolicySchema } from "../policy/index.js";
import { answered, keySchema, timestampSchema } from "./common.js";

/**
 * How a change of the field is carried out:
 * - `replace`: a new alias (the key);
 * - `patch`: `PATCH /v2/agent_aliases/{key}`;
 * - `policy`: `PUT /v2/agent_aliases/{key}/policy`;
 * - `state`: the provider's own input, kept in state, never sent (samples, adopt);
 * - `output`: set by the API, never an input (timestamps).
 */
export type FieldUpdate = "replace" | "patch" | "policy" | "state" | "output";

/** The type of a property, as check and the provider schema see it. */
export type FieldKind = "key" | "name" | "string" | "boolean" | "object" | "policy" | "samples" | "timestamp";

export interface AliasFieldSpec {
  /** The API's name; undefined for the provider's own inputs. */
  readonly wire?: string;
  readonly kind: FieldKind;
  readonly update: FieldUpdate;
  /** An input the program must give. */
  readonly required: boolean;
  /** Compared by diff (a difference is a change). */
  readonly diff: boolean;
  /** The value when the program or the API gives none (null, absent): the API's default. */
  readonly none?: () => unknown;
  /** How the API's answer is read (wire fields only): nullable fields normalised to `none`. */
  readonly answer?: z.ZodType;
  /** One line for documentation and the provider schema. */
  readonly doc: string;
}

/** What an alias is, in one paragraph (every door's documentation of the resource). */
export const ALIAS_DOC =
  "An agent alias: a stable public name whose ordered rules route each new session to one agent, or split sessions across agents by weight. Its preview runs the bundled resolver on `samples`.";

export const ALIAS_FIELDS = {
  key: {
    wire: "key",
    kind: "key",
    update: "replace",
    required: true,
    diff: true,
    answer: keySchema,
    doc: "The alias key: 1..50 letters, digits, `_` or `-`. Changing it replaces the alias.",
  },
  name: {
    wire: "name",
    kind: "name",
    update: "patch",
    required: true,
    diff: true,
    answer: z.string(),
    doc: "The alias's display name, 1..100 characters.",
  },
  description: {
    wire: "description",
    kind: "string",
    update: "patch",
    required: false,
    diff: true,
    none: () => "",
    answer: answered.text(),
    doc: "A description; none reads as the empty string.",
  },
  enabled: {
    wire: "enabled",
    kind: "boolean",
    update: "patch",
    required: false,
    diff: true,
    none: () => true,
    answer: z.boolean(),
    doc: "Whether the alias accepts new sessions (default true).",
  },
  metadata: {
    wire: "metadata",
    kind: "object",
    update: "patch",
    required: false,
    diff: true,
    none: () => ({}),
    answer: answered.metadata(),
    doc: "Free-form JSON object; none reads as {}.",
  },
  policy: {
    wire: "policy",
    kind: "policy",
    update: "policy",
    required: true,
    diff: true,
    answer: answeredPolicySchema,
    doc: "The routing policy, as in the API and the policy files (`agent_key`, `partition_by`).",
  },
  samples: {
    kind: "samples",
    update: "state",
    required: false,
    diff: true,
    none: () => [],
    doc: "Sample sessions resolved at every preview; a missed `expect` fails it.",
  },
  adopt: {
    kind: "boolean",
    update: "state",
    required: false,
    diff: false,
    doc: "Take over an alias that already exists with this key, and bring it to these settings.",
  },
  createdAt: {
    wire: "created_at",
    kind: "timestamp",
    update: "output",
    required: false,
    diff: false,
    answer: timestampSchema,
    doc: "When the alias was created, as the API wrote it (RFC 3339).",
  },
  updatedAt: {
    wire: "updated_at",
    kind: "timestamp",
    update: "output",
    required: false,
    diff: false,
    answer: answered.timestamp(),
    doc: "When the alias last changed (its creation time until then).",
  },
} as const satisfies Record<string, AliasFieldSpec>;

export type AliasFieldName = keyof typeof ALIAS_FIELDS;

type Fields = typeof ALIAS_FIELDS;
type WireFieldName = {
  [K in AliasFieldName]: Fields[K] extends { wire: string } ? K : never;
}[AliasFieldName];

/** The zod shape of an alias answer, keyed by wire name, from the table. */
export type AliasAnswerShape = {
  [K in WireFieldName as Fields[K]["wire"]]: Fields[K]["answer"];
};

/** Every field, as `[name, spec]` (typed as the common spec). */
export const aliasFields = (): [AliasFieldName, AliasFieldSpec][] =>
  Object.entries(ALIAS_FIELDS) as [AliasFieldName, AliasFieldSpec][];

/** The names of the fields a kind of change updates, as a type: `FieldsUpdatedBy<"patch">`. */
export type FieldsUpdatedBy<U extends FieldUpdate> = {
  [K in AliasFieldName]: Fields[K]["update"] extends U ? K : never;
}[AliasFieldName];

/** Fields that updates `kind` of change: e.g. the fields a PATCH carries. */
export const fieldsUpdatedBy = <U extends FieldUpdate>(update: U): FieldsUpdatedBy<U>[] =>
  aliasFields()
    .filter(([, f]) => f.update === update)
    .map(([n]) => n as FieldsUpdatedBy<U>);

/** The answer shape of the table, for `z.object`. */
export function aliasAnswerShape(): AliasAnswerShape {
  const shape: Record<string, z.ZodType> = {};
  for (const [, f] of aliasFields())
    if (f.wire !== undefined && f.answer !== undefined) shape[f.wire] = f.answer;
  return shape as AliasAnswerShape;
}
