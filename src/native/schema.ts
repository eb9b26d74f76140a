/**
 * The Pulumi package schema of the native `agent-alias` provider, built from the
 * field table (src/wire/alias-fields.ts) and the policy document's shape, so the schema, the
 * dynamic classes and the API cannot name a field differently. `GetSchema` serves it;
 * `schema.json` at the repository root is this value written out (`npm run schema`), and a
 * test fails when the two differ. Inside `policy` the names follow Pulumi's convention
 * (`agentKey`, `partitionBy`: Go's `AgentKey`, Python's `agent_key`); the plugin maps them to
 * the API's names (names.ts), as the policy files and the dynamic classes write them.
 */
import { SETTINGS_DOC, settingDoc, settings } from "../client/index.js";
import {
  CANARY_POLICY_DOC,
  canaryArguments,
  DOCUMENT_TYPES,
  type DocType,
  type DocTypeName,
  documentType,
  requiredProperties,
} from "../policy/index.js";
import {
  ALIAS_DOC,
  ALIAS_POLICY_DOC,
  type AliasFieldSpec,
  aliasFields,
  aliasPolicyFields,
  type FieldKind,
} from "../wire/index.js";
import { pulumiName } from "./names.js";
import { pythonReadme } from "./python-readme.js";

export const PACKAGE = "agent-alias";
const T = (name: string) => `#/types/${PACKAGE}:index:${name}`;
export const ALIAS_TOKEN = `${PACKAGE}:index:Alias`;
export const ALIAS_POLICY_TOKEN = `${PACKAGE}:index:AliasPolicy`;
/** The function that turns a canary block (stage table and current stage) into a policy. */
export const CANARY_POLICY_TOKEN = `${PACKAGE}:index:canaryPolicy`;

/** The project's repository: GitHub releases there publish the plugin archives. */
export const REPOSITORY = "https://github.com/pulumi-agent-alias/pulumi-agent-alias";

/**
 * Where the engine downloads the plugin when it is not installed: the GitHub release of the
 * version (the engine puts the version for `${VERSION}` and asks for
 * `pulumi-resource-agent-alias-v<version>-<os>-<arch>.tar.gz` there).
 */
export const PLUGIN_DOWNLOAD_URL = `${REPOSITORY}/releases/download/v\${VERSION}`;

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

/** A document type's property in the package schema. */
function docType(t: DocType): Spec {
  switch (t.kind) {
    case "string":
    case "integer":
    case "boolean":
      return { type: t.kind };
    case "json":
      return { type: "object", additionalProperties: ANY };
    case "ref":
      return { $ref: T(t.name) };
    case "list":
      return { type: "array", items: docType(t.of) };
  }
}

/**
 * The policy document's types (ROUTING.md §1, policy/document-types.ts), their properties
 * named by Pulumi's convention (`agentKey`; names.ts maps them to the API's `agent_key`).
 */
const TYPES: Record<string, Spec> = Object.fromEntries(
  (Object.keys(DOCUMENT_TYPES) as DocTypeName[]).map((name) => {
    const spec = documentType(name);
    const properties = Object.fromEntries(
      Object.entries(spec.properties).map(([p, d]) => [
        pulumiName(p),
        { ...docType(d.type), description: d.doc },
      ]),
    );
    const required = requiredProperties(name).map(pulumiName);
    return [name, { type: "object", description: spec.doc, properties, required }];
  }),
);

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
    description: ALIAS_DOC,
    inputProperties: inputs,
    requiredInputs,
    properties: outputs,
    required,
  };
}

/** The AliasPolicy resource: the inputs of its field table, which are also the outputs the schema shows. */
function aliasPolicyResource(): Spec {
  const props: Record<string, Spec> = {};
  const required: string[] = [];
  for (const [name, f] of aliasPolicyFields()) {
    if (f.update === "output") continue;
    props[name] = property(f, f.update === "replace" ? { replaceOnChanges: true } : {});
    if (f.required) required.push(name);
  }
  return {
    description: ALIAS_POLICY_DOC,
    inputProperties: props,
    requiredInputs: required,
    properties: props,
    required,
  };
}

/** canaryPolicy: the same as the TypeScript `canaryPolicy` and a policy file's `canary:` block. */
function canaryPolicyFunction(): Spec {
  const args = canaryArguments();
  return {
    description: CANARY_POLICY_DOC,
    inputs: {
      properties: Object.fromEntries(
        args.map(([name, a]) => [name, { ...docType(a.type), description: a.doc }]),
      ),
      required: args.filter(([, a]) => a.required).map(([name]) => name),
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
    repository: REPOSITORY,
    publisher: "pulumi-agent-alias",
    pluginDownloadURL: PLUGIN_DOWNLOAD_URL,
    config: { variables: CONFIG },
    provider: {
      description: `The ${PACKAGE} provider: ${SETTINGS_DOC}`,
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
        readme: pythonReadme(version, PLUGIN_DOWNLOAD_URL),
      },
      nodejs: { packageName: "@pulumi-agent-alias/agent-alias" },
    },
  };
}
