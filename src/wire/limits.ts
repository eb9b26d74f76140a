/**
 * The API's limits as one frozen view: what a request may hold before the API refuses it
 * (API.md; the body's size and depth, keys and names, a policy's counts, an expression's
 * length and nesting). The body size is declared here; the others are read from where they
 * are declared (policy/limits.ts, the UserFn language's LIMITS). The emulator enforces them (its limits read them from here) and the
 * provider's check refuses, with the property path, what the API would refuse, so a preview
 * never passes what `up` will be refused.
 */
import { DOCUMENT_LIMITS, POLICY_LIMITS } from "../policy/limits.js";
import { LIMITS as USERFN_LIMITS } from "../userfn/index.js";

export const API_LIMITS = Object.freeze({
  /** Largest request body, in bytes (413 above it). */
  bodyBytes: 1024 * 1024,
  /** Most levels of objects and arrays in a request body (the body itself is level 1). */
  jsonDepth: DOCUMENT_LIMITS.maxJsonDepth,
  /** Keys of agents, aliases and sessions: 1..keyLength characters. */
  keyLength: POLICY_LIMITS.keyLength,
  /** Alias names: 1..aliasNameLength characters. */
  aliasNameLength: POLICY_LIMITS.nameLength,
  /** Rules in a policy, options in a weighted target *(ours)*. */
  maxRules: POLICY_LIMITS.maxRules,
  maxOptions: POLICY_LIMITS.maxOptions,
  /** An expression's length and nesting (ROUTING.md §3). */
  maxExpressionLength: USERFN_LIMITS.maxExpressionLength,
  maxExpressionNesting: USERFN_LIMITS.maxNestingDepth,
});
