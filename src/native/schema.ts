/**
 * The Pulumi package schema of the native `agent-alias` provider, built from the
 * field table (src/wire/alias-fields.ts) and the policy document's shape, so the schema, the
 * dynamic classes and the API cannot name a field differently. `GetSchema` serves it;
 * `schema.json` at the repository root is this value written out (`npm run schema`), and a
 * test fails when the two differ. Inside `policy` the names are the API's (`agent_key`,
 * `partition_by`): the same document as the policy files and the dynamic classes.
 */
import { settingDoc, settings } from "../client/index.js";
import { ALIAS_FIELDS, type AliasFieldSpec, aliasFields, type FieldKind } from "../wire/index.js";

export const PACKAGE = "agent-alias";
const T = (name: string) => `#/types/${PACKAGE}:index:${name}`;
export const ALIAS_TOKEN = `${PACKAGE}:index:Alias`;
export const ALIAS_POLICY_TOKEN = `${PACKAGE}:index:AliasPolicy`;
/** The function that turns a canary block (stage table and current stage) into a policy. */
export const CANARY_POLICY_TOKEN = `${PACKAGE}:index:canaryPolicy`;

/** The Go module of the generated Go SDK (sdk/go). */
export const GO_MODULE = "github.com/pulumi-agent-alias/pulumi-agent-alias/sdk/go";

type Spec = Record<string, unknown>;

const ANY = { $ref: "pulumi.json#/Any" };

/** A property's type by its kind in the field table. */
function typeOfKind(kind: FieldKind): Spec {
  switch (kind) {
    case "key":
    case "name":
    case "string":
    case "timestamp":
      return { type: "string" };
    case "boolean":
      return { type: "boolean" };
    case "object":
      return { type: "object", additionalProperties: ANY };
    case "policy":
      return { $ref: T("Policy") };
    case "samples":
      return { type: "array", items: { $ref: T("Sample") } };
  }
}

const property = (f: Pick<AliasFieldSpec, "kind" | "doc">, extra: Spec = {}): Spec => ({
  ...typeOfKind(f.kind),
  description: f.doc,
  ...extra,
});

/** The provider configuration: the settings table, each a string read from its variable when not configured. */
const CONFIG: Record<string, Spec> = Object.fromEntries(
  settings().map(([name, s]) => [
    name,
    {
      type: "string",
      ...(s.secret ? { secret: true } : {}),
      description: settingDoc(name),
      defaultInfo: { environment: [s.env] },
    },
  ]),
);

/** A string property. */
const str = (description: string): Spec => ({ type: "string", description });

/** A property of one of this package's types (`name`). */
const ref = (name: string, description: string): Spec => ({ $ref: T(name), description });

/** An array property of `items`. */
const arrayOf = (items: Spec, description: string): Spec => ({ type: "array", items, description });

/** An object type: its description, its properties and those required. */
const objectType = (description: string, properties: Record<string, Spec>, required: string[]): Spec => ({
  type: "object",
  description,
  properties,
  required,
});

/** The policy document's types (ROUTING.md §1): the API's names, as in the policy files. */
const TYPES: Record<string, Spec> = {
  Policy: objectType(
    "A routing policy: ordered rules, the first that matches wins.",
    {
      type: str("Always `routed`."),
      rules: arrayOf({ $ref: T("Rule") }, "The rules, in order."),
    },
    ["type", "rules"],
  ),
  Rule: objectType(
    "A rule: a UserFn `match` (none: a catch-all) and its targets.",
    {
      match: str("A UserFn expression; absent for a catch-all rule."),
      targets: ref("Target", "Where the sessions this rule matches go."),
    },
    ["targets"],
  ),
  Target: objectType(
    "One agent (`single`), or a sticky weighted split hashed on `partition_by` (`weighted`).",
    {
      type: str("`single` or `weighted`."),
      agent_key: str("The agent of a single target."),
      partition_by: str(
        "The UserFn expression a weighted target hashes on, e.g. get('$.session.metadata.user_id', '').",
      ),
      options: arrayOf({ $ref: T("WeightedOption") }, "The agents of a weighted target and their weights."),
    },
    ["type"],
  ),
  WeightedOption: objectType(
    "An agent of a weighted target and its weight (an integer >= 0).",
    {
      agent_key: str("The agent."),
      weight: { type: "integer", description: "Its weight, relative to the others'." },
    },
    ["agent_key", "weight"],
  ),
  CanaryStage: objectType(
    "A canary stage: its name and the weights of [from, to].",
    {
      name: str("The stage's name, e.g. canary-20."),
      weights: arrayOf({ type: "integer" }, "The weights of [from, to], integers >= 0, not both 0."),
    },
    ["name", "weights"],
  ),
  Sample: objectType(
    "A sample session resolved at every preview; a missed `expect` fails it.",
    {
      name: str("A label for messages (default: its position)."),
      context: {
        type: "object",
        additionalProperties: ANY,
        description: "The routing context, e.g. {session: {metadata: {tenant: eu}}}.",
      },
      expect: str("The agent this sample must reach."),
    },
    ["context"],
  ),
};

function aliasResource(): Spec {
  const inputs: Record<string, Spec> = {};
  const outputs: Record<string, Spec> = {};
  const requiredInputs: string[] = [];
  const required: string[] = [];
  for (const [name, f] of aliasFields()) {
    const replace = f.update === "replace" ? { replaceOnChanges: true } : {};
    if (f.update !== "output") {
      inputs[name] = property(f, replace);
      if (f.required) requiredInputs.push(name);
    }
    if (name === "adopt") continue; // an instruction for create, not a property of the alias
    outputs[name] = property(f, replace);
    if (f.wire !== undefined && (f.required || f.none !== undefined || name === "createdAt"))
      required.push(name);
  }
  return {
    description:
      "An agent alias: a stable public name whose ordered rules route each new session to one agent, or split sessions across agents by weight. Its preview runs the bundled resolver on `samples`.",
    inputProperties: inputs,
    requiredInputs,
    properties: outputs,
    required,
  };
}

function aliasPolicyResource(): Spec {
  const policy = property(ALIAS_FIELDS.policy);
  const samples = property(ALIAS_FIELDS.samples);
  const aliasKey = {
    type: "string",
    description:
      "The key of the alias (managed elsewhere) whose policy this resource owns. Changing it replaces the resource.",
    replaceOnChanges: true,
  };
  return {
    description:
      "The policy of an alias managed elsewhere; create replaces it, delete puts back the policy it replaced.",
    inputProperties: { aliasKey, policy, samples },
    requiredInputs: ["aliasKey", "policy"],
    properties: { aliasKey, policy, samples },
    required: ["aliasKey", "policy"],
  };
}

/** canaryPolicy: the same as the TypeScript `canaryPolicy` and a policy file's `canary:` block. */
function canaryPolicyFunction(): Spec {
  return {
    description:
      "The policy of a canary rollout at its current stage: `before` rules, then a weighted rule from `from` to `to` at the stage's weights (sticky: each step moves users only from `from` to `to`); with `match`, only matching sessions are in the canary and the others go to `others`. The default stages are baseline (100/0: where an aborted rollout reverts to), canary-5 (95/5), canary-20, canary-50 and complete (0/100).",
    inputs: {
      properties: {
        from: str("The agent traffic moves away from (the stable one)."),
        to: str("The agent traffic moves to (the new version)."),
        partitionBy: str(
          "The UserFn expression users are hashed on, e.g. get('$.session.metadata.user_id', '').",
        ),
        current: str("The name of the stage in force (e.g. from stack config)."),
        stages: arrayOf(
          { $ref: T("CanaryStage") },
          "The stage table (default: baseline, canary-5, canary-20, canary-50, complete).",
        ),
        match: str("Canary only the sessions this UserFn expression matches."),
        others: str("Where the sessions `match` leaves out go (default: `from`)."),
        before: arrayOf({ $ref: T("Rule") }, "Rules placed before the canary rule."),
      },
      required: ["from", "to", "partitionBy", "current"],
    },
    outputs: {
      properties: { policy: ref("Policy", "The policy at the current stage.") },
      required: ["policy"],
    },
  };
}

/** The package schema (Pulumi package schema format). */
export function packageSchema(version: string): Spec {
  return {
    name: PACKAGE,
    displayName: "Agent Alias",
    version,
    description:
      "Agent aliases: stable names in front of AI agents, with routing rules and sticky weighted splits.",
    keywords: ["pulumi", "agent-alias", "category/utility", "kind/native"],
    license: "Apache-2.0",
    repository: "https://github.com/pulumi-agent-alias/pulumi-agent-alias",
    publisher: "pulumi-agent-alias",
    config: { variables: CONFIG },
    provider: {
      description: "The agent-alias provider: where the alias API is and how to authenticate to it.",
      inputProperties: CONFIG,
    },
    // Type tokens are the package's own (`agent-alias:index:Policy`), as `$ref`s name them.
    types: Object.fromEntries(
      Object.entries(TYPES).map(([name, spec]) => [`${PACKAGE}:index:${name}`, spec]),
    ),
    resources: {
      [ALIAS_TOKEN]: aliasResource(),
      [ALIAS_POLICY_TOKEN]: aliasPolicyResource(),
    },
    functions: { [CANARY_POLICY_TOKEN]: canaryPolicyFunction() },
    language: {
      go: {
        importBasePath: `${GO_MODULE}/agentalias`,
        generateResourceContainerTypes: true,
        respectSchemaVersion: true,
      },
      python: {
        packageName: "pulumi_agent_alias",
        requires: { pulumi: ">=3.0.0,<4.0.0" },
        respectSchemaVersion: true,
        pyproject: { enabled: true },
      },
      nodejs: { packageName: "@pulumi-agent-alias/agent-alias" },
    },
  };
}
