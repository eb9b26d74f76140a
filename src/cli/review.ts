/**
 * `agent-alias review --base REF`: diffs every policy file changed since a git ref, for a
 * pull-request check. Compares the version at the merge base of REF and HEAD (what a pull
 * request's "files changed" compares against) with the working tree, so uncommitted edits are
 * reviewed too; in CI the working tree is the checked-out commit.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { extname, join, resolve as resolvePath } from "node:path";
import { promisify } from "node:util";
import type { CheckedPolicy, PolicyCheck, Sample } from "../policy/index.js";
import { COMMAND_FORMATS, commandFlags, outputHelp, parseKeys, usageError, writeHelp } from "./args.js";
import { parseData } from "./files.js";
import { type CliIO, EXIT, InputError, writeJson } from "./io.js";
import { reviewHuman, reviewMarkdown } from "./markdown.js";
import {
  checkPolicyData,
  diffVersions,
  formatIssues,
  loadSamples,
  type PrintedIssue,
  printedIssue,
} from "./policy-input.js";
import type { ReviewFile, ReviewReport } from "./reports.js";

const run = promisify(execFile);

export const REVIEW_HELP = `Usage: agent-alias review --base REF [PATH...] [--samples FILE] [--keys N]
                           [--format human|json|markdown] [--json] [--fail-on-warnings]

Diffs every policy file changed since REF (as 'agent-alias diff' does, see its --help) and
prints one report; run it from inside the git repository.
  - Old versions are read at the merge base of REF and HEAD (git merge-base), as a pull
    request compares; new versions from the working tree, so uncommitted and untracked files
    count. PATH... limits the search to those paths (git pathspecs).
  - Changed files ending in .yaml, .yml or .json are read; those holding an alias document
    ('policy:' with 'type' or 'rules', in either version) are policy files. A file absent at
    the merge base is new (all its rules added); one absent from the working tree was deleted.
  - Samples: --samples FILE for every policy, else NAME.samples.yaml (.yml, .json) beside a
    policy file NAME.yaml, when present.
  - A new version that is not a valid policy is reported with its problems (also on stderr),
    and the exit code is 2. A base version that is not valid is diffed as absent, with a note.

--json prints {base, merge_base, files: [{path, status, samples, notes, errors, report}]},
each report being diff's JSON; --format markdown prints one pull-request comment (its first
line is ${"<!-- agent-alias-review -->"}). Exit 0; 1 with --fail-on-warnings when a report
has warnings; 2 for invalid input or an invalid policy.
${outputHelp(COMMAND_FORMATS.review)}`;

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("git", args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new InputError(`git ${args[0]}: ${(err.stderr ?? "").trim() || err.message}`);
  }
}

/** The version of `path` at `commit`, or null when it does not exist there. */
async function gitShow(root: string, commit: string, path: string): Promise<string | null> {
  try {
    const { stdout } = await run("git", ["show", `${commit}:${path}`], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
      encoding: "utf8",
    });
    return stdout;
  } catch {
    return null;
  }
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR")
      return null;
    throw new InputError(`${file}: cannot read (${(e as Error).message})`);
  }
}

const POLICY_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Parsed data, or the parse error's message. */
function tryParse(text: string, path: string): { value: unknown } | { error: string } {
  try {
    return { value: parseData(text, path) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * An alias document, valid or not: an object whose `policy` is an object with `type` or
 * `rules`, or that declares canary stages in a `canary` object.
 */
function isPolicyLike(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const canary = (v as { canary?: unknown }).canary;
  if (typeof canary === "object" && canary !== null && !Array.isArray(canary)) return true;
  const policy = (v as { policy?: unknown }).policy;
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) return false;
  return Object.hasOwn(policy, "type") || Object.hasOwn(policy, "rules");
}

const split0 = (s: string) => s.split("\0").filter((x) => x !== "");

export async function reviewCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals, format: formatOf } = commandFlags(argv, "review");
  if (values.help) return writeHelp(io, REVIEW_HELP);
  if (values.base === undefined || values.base === "") throw usageError("give --base REF");
  const format = formatOf();
  const keys = parseKeys(values.keys);
  const cwd = io.cwd ?? process.cwd();
  const sharedSamples = values.samples === undefined ? null : await loadSamples(values.samples, io);

  const root = (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
  const mergeBase = (await git(cwd, ["merge-base", values.base, "HEAD"])).trim();
  const pathspecs = positionals.length > 0 ? ["--", ...positionals] : [];
  const tracked = split0(
    await git(cwd, ["diff", "--name-only", "--no-renames", "-z", mergeBase, ...pathspecs]),
  );
  const untracked = split0(
    await git(cwd, ["ls-files", "--others", "--exclude-standard", "--full-name", "-z", ...pathspecs]),
  );
  const paths = [...new Set([...tracked, ...untracked])]
    .filter((p) => POLICY_EXTENSIONS.has(extname(p).toLowerCase()))
    .sort();

  const files: ReviewFile[] = [];
  let exit: number = EXIT.ok;
  for (const path of paths) {
    const oldText = await gitShow(root, mergeBase, path);
    const newText = await readOrNull(join(root, path));
    const oldData = oldText === null ? null : tryParse(oldText, path);
    const newData = newText === null ? null : tryParse(newText, path);
    const oldLike = oldData !== null && "value" in oldData && isPolicyLike(oldData.value);
    const newLike = newData !== null && "value" in newData && isPolicyLike(newData.value);
    if (!oldLike && !newLike) continue;

    const notes: string[] = [];
    let oldDoc: CheckedPolicy | null = null;
    if (oldLike) {
      const checked = checkPolicyData((oldData as { value: unknown }).value);
      if (checked.ok) oldDoc = checked.policy;
      else notes.push(`The version at ${mergeBase.slice(0, 12)} is not a valid policy; diffed as if absent.`);
    }

    let newDoc: CheckedPolicy | null = null;
    let errors: PrintedIssue[] = [];
    if (newData !== null && "error" in newData) {
      errors = [{ path, message: newData.error }];
    } else if (newData !== null) {
      const checked: PolicyCheck = newLike
        ? checkPolicyData(newData.value)
        : {
            ok: false,
            issues: [
              {
                code: "required",
                path: ["policy"],
                message: "no longer holds an alias policy (expected 'policy:' with 'type' and 'rules')",
              },
            ],
          };
      if (checked.ok) newDoc = checked.policy;
      else {
        errors = checked.issues.map(printedIssue);
        io.stderr.write(formatIssues(path, checked.issues));
      }
    }
    if (errors.length > 0) {
      exit = EXIT.invalid;
      if (newData !== null && "error" in newData) io.stderr.write(`${path}: ${newData.error}\n`);
      files.push({ path, status: "invalid", samples: null, notes, errors, report: null });
      continue;
    }
    if (oldDoc === null && newDoc === null) continue;

    let samples: Sample[] = sharedSamples ?? [];
    let samplesFile: string | null = values.samples ?? null;
    if (sharedSamples === null && newDoc !== null) {
      const sibling = await siblingSamples(root, path);
      if (sibling !== null) {
        samplesFile = sibling;
        samples = await loadSamples(join(root, sibling), io);
      }
    }
    const report = diffVersions(oldDoc, newDoc, samples, keys);
    if (values["fail-on-warnings"] && report.warnings.length > 0 && exit === EXIT.ok) exit = EXIT.failure;
    const status = newDoc === null ? "removed" : oldDoc === null ? "added" : report.status;
    files.push({ path, status, samples: samplesFile, notes, errors, report });
  }

  const review: ReviewReport = { base: values.base, merge_base: mergeBase, files };
  if (format === "json") writeJson(io, review);
  else if (format === "markdown") io.stdout.write(reviewMarkdown(review));
  else io.stdout.write(reviewHuman(review));
  return exit;
}

/** `dir/name.samples.yaml` (or .yml, .json) beside `dir/name.ext`, from the repository root. */
async function siblingSamples(root: string, path: string): Promise<string | null> {
  const stem = path.slice(0, path.length - extname(path).length);
  for (const ext of [".yaml", ".yml", ".json"]) {
    const candidate = `${stem}.samples${ext}`;
    if ((await readOrNull(resolvePath(root, candidate))) !== null) return candidate;
  }
  return null;
}
