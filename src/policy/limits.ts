/**
 * The limits of the contract, each written once: keys and names (API.md), a policy's counts,
 * a document's nesting and YAML aliases, a canary's check fields, and the simulations' keys.
 * Frozen, and importing nothing, so every part reads them from here: the policy schema, the
 * API's view of them (`API_LIMITS`, wire/limits.ts, which adds the body size and the UserFn
 * language's own limits), the provider's check, the canary validation and the CLI's flags.
 */

/** Keys of agents, aliases and sessions: 1..keyLength characters of `KEY_PATTERN`. */
export const KEY_PATTERN = /^[0-9a-zA-Z_-]+$/;

export const POLICY_LIMITS = Object.freeze({
  /** Longest key of an agent, an alias or a session, in characters (at least 1). */
  keyLength: 50,
  /** Longest alias name, in characters (at least 1). */
  nameLength: 100,
  /**
   * Rules in a policy, options in a weighted target *(ours: API.md is silent; the API's body
   * limit of 1 MiB allows about 25,000 options)*.
   */
  maxRules: 1000,
  maxOptions: 1000,
});

/** How a key is described wherever one is refused. */
export const KEY_RULE = `1 to ${POLICY_LIMITS.keyLength} characters of letters, digits, '_' or '-'`;

/** Whether `key` is a valid key (length and characters). */
export const isKey = (key: string): boolean =>
  key.length >= 1 && key.length <= POLICY_LIMITS.keyLength && KEY_PATTERN.test(key);

export const DOCUMENT_LIMITS = Object.freeze({
  /** The API's nesting limit for a body: objects and arrays, the body itself being level 1. */
  maxJsonDepth: 64,
  /** YAML aliases (`*name`) a document may use; a "billion laughs" file uses millions. */
  maxYamlAliases: 100,
});

/** The bounds of a canary's check fields. */
export const CANARY_LIMITS = Object.freeze({
  /** Longest stage name: a stage is kept in stack config and in the rollout's record (a stack tag). */
  maxStageName: 40,
  /** Longest `hold`, `max_wait` or p95 `max`: 7 days. */
  maxDurationMs: 7 * 24 * 3_600_000,
  maxMinTraces: 1_000_000,
  maxFailedChecks: 100,
  maxRatio: 1000,
});

/** Synthetic partition keys per weighted rule of a preview or a diff (`--keys`). */
export const SIMULATION_KEYS = Object.freeze({ default: 100_000, min: 1, max: 10_000_000 });
