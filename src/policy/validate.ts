/**
 * Validation of alias documents (ROUTING.md §4), as `{path, message}` items with the path
 * written out (`policy.rules[1].match`): the public form of checkPolicy's issues (check.ts),
 * which keep their paths as parts. Returns data, never throws for bad input; empty when the
 * document is valid. Messages that the API documents are matched exactly.
 */
import type { SourceRange } from "../userfn/index.js";
import { policyIssues, validationIssue } from "./check.js";
import { formatPath } from "./issues.js";

export { formatPath, validationIssue };

export interface ValidationIssue {
  /** Where the fault is, e.g. `policy.rules[1].targets.options[0].weight`. */
  readonly path: string;
  readonly message: string;
}

/**
 * An issue inside an expression also carries, as non-enumerable properties (so JSON output
 * and equality checks see only `{path, message}`), the expression and the faulty range,
 * for rendering a caret under the source.
 */
export interface ExpressionIssue extends ValidationIssue {
  readonly source: string;
  readonly range: SourceRange;
}

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
