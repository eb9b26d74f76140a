/**
 * The subcommands' inputs from src/policy, one place for each call: checking a policy once (canary
 * expansion, validation, parsing and compiling: a CheckedPolicy), reading samples, and diffing two versions.
 * Problems are reported with carets; an invalid input is an InputError (exit 2).
 */
import {
  type CheckedPolicy,
  checkPolicyFile,
  diffPolicies,
  formatPath,
  type PolicyCheck,
  type PolicyDiff,
  type PolicyIssue,
  parseSamples,
  type Sample,
} from "../policy/index.js";
import { renderCaret } from "../userfn/index.js";
import { readDataFile } from "./files.js";
import { type CliIO, InputError } from "./io.js";

/** A problem as the CLI prints it in JSON (`validate --json`, `review --json`): the path written out. */
export interface PrintedIssue {
  path: string;
  message: string;
}

/** A policy issue in print: its path written out. */
export const printedIssue = (i: PolicyIssue): PrintedIssue => ({
  path: formatPath(i.path),
  message: i.message,
});

/** Human rendering of policy issues: one line each, a caret under expression faults. */
export function formatIssues(file: string, issues: readonly PolicyIssue[]): string {
  const lines = [`${file}: ${issues.length} problem${issues.length === 1 ? "" : "s"}`];
  for (const issue of issues) {
    lines.push(`  ${formatPath(issue.path)}: ${issue.message}`);
    const e = issue.expression;
    if (e !== undefined) lines.push(renderCaret(e.source, e.range).replace(/^/gm, "    "));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Checks one side of a policy, already parsed from its file (or a git revision): a `canary:`
 * block is expanded into its policy (its problems come alone), then the document is checked
 * once (checkPolicyFile): the issues, or the CheckedPolicy every command then uses.
 */
export function checkPolicyData(raw: unknown): PolicyCheck {
  return checkPolicyFile(raw);
}

/** Reads a policy file and checks it (`checkPolicyData`); an unreadable file is an InputError. */
export async function readPolicyDocument(file: string, io: CliIO): Promise<PolicyCheck> {
  return checkPolicyData(await readDataFile(file, io));
}

/**
 * Reads and checks a policy file. An invalid policy prints its problems to stderr and
 * throws InputError (exit 2), as CLI.md requires of resolve, preview and diff.
 */
export async function loadPolicy(file: string, io: CliIO): Promise<CheckedPolicy> {
  const checked = await readPolicyDocument(file, io);
  if (!checked.ok) {
    io.stderr.write(formatIssues(file, checked.issues));
    throw new InputError(`${file}: invalid policy`);
  }
  return checked.policy;
}

/** Reads a samples file; invalid samples print their problems to stderr and are invalid input. */
export async function loadSamples(file: string, io: CliIO): Promise<Sample[]> {
  const parsed = parseSamples(await readDataFile(file, io));
  if (parsed.issues.length > 0) {
    io.stderr.write(parsed.issues.map((i) => `${file}: ${i.message}\n`).join(""));
    throw new InputError(`${file}: invalid samples`);
  }
  return parsed.samples;
}

/** The diff of two checked versions of a policy (`null`: absent on that side), for diff and review. */
export function diffVersions(
  before: CheckedPolicy | null,
  after: CheckedPolicy | null,
  samples: readonly Sample[],
  keys: number,
): PolicyDiff {
  return diffPolicies(before, after, samples, { keys });
}
