/**
 * Validation of alias documents (ROUTING.md §4), as `{path, message}` items with the path
 * written out (`policy.rules[1].match`): the public form of checkPolicy's issues (check.ts),
 * which keep their paths as parts. Returns data, never throws for bad input; empty when the
 * document is valid. Messages that the API documents are matched exactly.
 */
import { policyIssues, validationIssue } from "./check.js";
import { type ExpressionIssue, formatPath, type ValidationIssue } from "./issues.js";

export { formatPath, validationIssue };

/** Whether an issue is about an expression, and so carries its source and faulty range. */
export function isExpressionIssue(i: ValidationIssue): i is ExpressionIssue {
  return typeof (i as { source?: unknown }).source === "string";
}

/**
 * Validates an alias document (ROUTING.md §1, §4) offline. Returns every problem found,
 * as `{path, message}`, or an empty array when the document is valid.
 */
export function validatePolicy(doc: unknown): ValidationIssue[] {
  return policyIssues(doc).issues.map(validationIssue);
}
