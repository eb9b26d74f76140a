/**
 * The provider functions: `provider::agentalias::canary_policy(canary)` takes a canary
 * block exactly as a policy file's `canary:` holds it and gives the stage's policy, by the
 * core's own expansion of that block (the same parse, checks and messages as the policy
 * files, `agent-alias review` and Pulumi's `canaryPolicy`).
 */
import { expandCanaryDocument, type Policy } from "../policy/index.js";
import { UNKNOWN as CORE_UNKNOWN } from "../provider/values.js";
import { decodeValue, encodeValue, typeBytes } from "./msgpack.js";
import type { DynamicValue, FunctionSpec } from "./proto.js";
import { attrType, FUNCTION_BLOCKS, type FunctionBlock } from "./schema.js";
import { toJson } from "./types.js";
import { fromCoreValue } from "./values.js";

export interface FunctionResult {
  result?: DynamicValue;
  error?: { text: string; function_argument?: number };
}

/** The function's declaration for GetProviderSchema and GetFunctions. */
export function functionSpec(f: FunctionBlock): FunctionSpec {
  return {
    parameters: [
      {
        name: f.parameter.name,
        type: typeBytes("dynamic"),
        allow_null_value: false,
        allow_unknown_values: false,
        description: f.parameter.doc,
        description_kind: "MARKDOWN",
      },
    ],
    return: { type: typeBytes(attrType(f.returns)) },
    summary: f.summary,
    description: f.doc,
    description_kind: "MARKDOWN",
  };
}

/** The functions by name, each from its declaration in the schema. */
export const TF_FUNCTIONS: ReadonlyMap<string, FunctionBlock> = new Map(
  Object.entries(FUNCTION_BLOCKS).map(([name, block]) => [name, block()]),
);

/** CallFunction: the canary block through the core; its issues as the function's error on argument 0. */
export function callFunction(name: string, args: DynamicValue[]): FunctionResult {
  const f = TF_FUNCTIONS.get(name);
  if (!f)
    return {
      error: { text: `unknown function '${name}': this provider has ${[...TF_FUNCTIONS.keys()].join(", ")}` },
    };
  const canary = toJson(decodeValue(args[0], "dynamic"), CORE_UNKNOWN);
  const { doc, issues } = expandCanaryDocument({ canary });
  if (issues.length > 0)
    return { error: { text: issues.map((i) => i.message).join("\n"), function_argument: 0 } };
  const policy = (doc as { policy: Policy }).policy;
  const type = attrType(f.returns);
  return { result: encodeValue(fromCoreValue(policy, type), type) };
}
