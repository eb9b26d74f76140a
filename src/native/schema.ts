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

/** The policy document's types (ROUTING.md §1): the API's names, as in the policy files. */
const TYPES: Record<string, Spec> = {
  Policy: {
    type: "object",
    description: "A routing policy: ordered rules, the first that matches wins.",
    properties: {
      type: { type: "string", description: "Always `routed`." },
      rules: { type: "array", items: { $ref: T("Rule") }, description: "The rules, in order." },
    },
    required: ["type", "rules"],
  },
  Rule: {
    type: "object",
    description: "A rule: a UserFn `match` (none: a catch-all) and its targets.",
    properties: {
      match: { type: "string", description: "A UserFn expression; absent for a catch-all rule." },
      targets: { $ref: T("Target"), description: "Where the sessions this rule matches go." },
    },
    required: ["targets"],
  },
  Target: {
    type: "object",
    description: "One agent (`single`), or a sticky weighted split hashed on `partition_by` (`weighted`).",
    properties: {
      type: { type: "string", description: "`single` or `weighted`." },
      agent_key: { type: "string", description: "The agent of a single target." },
      partition_by: {
        type: "string",
        description:
          "The UserFn expression a weighted target hashes on, e.g. get('$.session.metadata.user_id', '').",
      },
      options: {
        type: "array",
        items: { $ref: T("WeightedOption") },
        description: "The agents of a weighted target and their weights.",
      },
    },
    required: ["type"],
  },
  WeightedOption: {
    type: "object",
    description: "An agent of a weighted target and its weight (an integer >= 0).",
    properties: {
      agent_key: { type: "string", description: "The agent." },
      weight: { type: "integer", description: "Its weight, relative to the others'." },
    },
    required: ["agent_key", "weight"],
  },
  CanaryStage: {
    type: "object",
    description: "A canary stage: its name and the weights of [from, to].",
    properties: {
      name: { type: "string", description: "The stage's name, e.g. canary-20." },
      weights: {
        type: "array",
        items: { type: "integer" },
        description: "The weights of [from, to], integers >= 0, not both 0.",
      },
    },
    required: ["name", "weights"],
  },
  Sample: {
    type: "object",
    description: "A sample session resolved at every preview; a missed `expect` fails it.",
    properties: {
      name: { type: "string", description: "A label for messages (default: its position)." },
      context: {
        type: "object",
        additionalProperties: ANY,
        description: "The routing context, e.g. {session: {metadata: {tenant: eu}}}.",
      },
      expect: { type: "string", description: "The agent this sample must reach." },
    },
    required: ["context"],
  },
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
  const str = (description: string) => ({ type: "string", description });
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
        stages: {
          type: "array",
          items: { $ref: T("CanaryStage") },
          description: "The stage table (default: baseline, canary-5, canary-20, canary-50, complete).",
        },
        match: str("Canary only the sessions this UserFn expression matches."),
        others: str("Where the sessions `match` leaves out go (default: `from`)."),
        before: {
          type: "array",
          items: { $ref: T("Rule") },
          description: "Rules placed before the canary rule.",
        },
      },
      required: ["from", "to", "partitionBy", "current"],
    },
    outputs: {
      properties: { policy: { $ref: T("Policy"), description: "The policy at the current stage." } },
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
