/**
 * `pulumi-agent-alias`: the Pulumi resources. `Alias` manages an alias; `AliasPolicy` owns the
 * policy of an alias made elsewhere. Connection: stack config `agent-alias:apiUrl` and secret
 * `agent-alias:apiKey`, else AGENT_ALIAS_API_URL and VECTARA_API_KEY.
 */
export type { CanarySpec, CanaryStage, Policy, Rule, Target } from "../policy/index.js";
export { CanaryError, canaryPolicy, canaryRule, DEFAULT_STAGES } from "../policy/index.js";
export { Alias, type AliasArgs, type SampleInput } from "./alias.js";
export { AliasPolicy, type AliasPolicyArgs } from "./alias-policy.js";
