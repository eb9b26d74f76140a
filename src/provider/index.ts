/**
 * `pulumi-agent-alias/provider`: the engine side of the resources. `aliasProvider` and
 * `aliasPolicyProvider` implement Pulumi's dynamic ResourceProvider; the resources' tiny
 * serialized providers load this module at call time and delegate to them.
 */

export { type AliasProvider, aliasProvider, type CheckOutcome, checkAlias, unknownAgents } from "./alias.js";
export { type AliasPolicyProvider, aliasPolicyProvider, checkAliasPolicy } from "./alias-policy.js";
export {
  agentKeysOf,
  apiLimitFailures,
  type CheckFailure,
  checkAliasInputs,
  checkAliasPolicyInputs,
  engineFailure,
} from "./check.js";
export { apiClient, CONFIG_KEYS, configureConnection, hasCredentials, setConnection } from "./connection.js";
export { type DiffResult, diffAlias, diffAliasPolicy } from "./diff.js";
export { describeApiFailure, PartialFailureError } from "./errors.js";
export { type InputPath, markedSecrets, redactFailures, secretStrings } from "./secrets.js";
export {
  type AliasInputs,
  type AliasOutputs,
  type AliasPolicyInputs,
  type AliasPolicyOutputs,
  containsUnknown,
  readAliasState,
  SECRETS_KEY,
  STATE_VERSION,
  UNKNOWN,
} from "./values.js";
