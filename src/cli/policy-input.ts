/** Loading a policy file for a subcommand: read, validate, and report problems with carets. */
import {
  type AliasDocument,
  type CompiledPolicy,
  compilePolicy,
  expandCanaryDocument,
  isExpressionIssue,
  type ValidationIssue,
  validatePolicy,
} from "../policy/index.js";
import { renderCaret } from "../userfn/index.js";
import { readDataFile } from "./files.js";
import { type CliIO, InputError } from "./io.js";

/** Human rendering of validation issues: one line each, a caret under expression faults. */
export function formatIssues(file: string, issues: readonly ValidationIssue[]): string {
  const lines = [`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}`];
  for (const issue of issues) {
    lines.push(`  ${issue.path}: ${issue.message}`);
    if (isExpressionIssue(issue)) lines.push(renderCaret(issue.source, issue.range).replace(/^/gm, "    "));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Reads a policy file and expands a `canary:` block into its policy. Returns the document
 * and every problem found (canary block first, then the policy's own validation).
 */
export async function readPolicyDocument(
  file: string,
  io: CliIO,
): Promise<{ doc: unknown; issues: ValidationIssue[] }> {
  const raw = await readDataFile(file, io.cwd);
  const expanded = expandCanaryDocument(raw);
  if (expanded.issues.length > 0) return expanded;
  return { doc: expanded.doc, issues: validatePolicy(expanded.doc) };
}

/**
 * Reads and compiles a policy file. An invalid policy prints its problems to stderr and
 * throws InputError (exit 2), as CLI.md requires of resolve, preview and diff.
 */
export async function loadPolicy(
  file: string,
  io: CliIO,
): Promise<{ doc: AliasDocument; compiled: CompiledPolicy }> {
  const { doc, issues } = await readPolicyDocument(file, io);
  if (issues.length > 0) {
    io.stderr.write(formatIssues(file, issues));
    throw new InputError(`${file}: invalid policy`);
  }
  return { doc: doc as AliasDocument, compiled: compilePolicy(doc) };
}
