/**
 * The limits of the UserFn language (ROUTING.md §3), in one frozen place.
 * Input over a limit is a validation error, never a crash.
 */
export const LIMITS = Object.freeze({
  /** Longest expression, in characters (UTF-16 code units). */
  maxExpressionLength: 4096,
  /** Deepest nesting of parentheses, calls, `if` and unary operators. */
  maxNestingDepth: 64,
});
