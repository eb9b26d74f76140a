/**
 * `agent-alias diff OLD NEW` (CLI.md): compares two versions of a policy with `diffPolicies`
 * and prints the report as JSON, Markdown (a pull-request comment) or text.
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { diffPolicies, type PolicyDiff, parseSamples, type Sample } from "../policy/index.js";
import { readDataFile } from "./files.js";
import { type CliIO, EXIT, InputError, outputFormat, writeJson } from "./io.js";
import { diffHuman, diffMarkdown } from "./markdown.js";
import { loadPolicy } from "./policy-input.js";

/** Flags shared by diff and review. */
export const DIFF_FLAGS = {
  json: { type: "boolean" },
  format: { type: "string" },
  samples: { type: "string" },
  keys: { type: "string" },
  "fail-on-warnings": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

/** parseArgs with our flags; a bad flag is invalid input (exit 2). */
export function parseFlags<T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    const config = { args: argv, options, allowPositionals: true, strict: true } as const;
    return parseArgs<typeof config>(config);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

/** `--keys N`: synthetic partition keys per rule, default 100,000. */
export function parseKeys(value: string | undefined): number {
  if (value === undefined) return 100_000;
  const keys = Number(value);
  if (!Number.isInteger(keys) || keys < 1 || keys > 10_000_000) {
    throw new InputError(`--keys must be a whole number from 1 to 10000000; got '${value}'`);
  }
  return keys;
}

/** Reads a samples file; invalid samples print their problems to stderr and are invalid input. */
export async function loadSamples(file: string, io: CliIO): Promise<Sample[]> {
  const parsed = parseSamples(await readDataFile(file, io.cwd));
  if (parsed.issues.length > 0) {
    io.stderr.write(parsed.issues.map((i) => `${file}: ${i.message}\n`).join(""));
    throw new InputError(`${file}: invalid samples`);
  }
  return parsed.samples;
}

export const DIFF_HELP = `Usage: agent-alias diff OLD NEW [--samples FILE] [--keys N] [--format human|json|markdown]
                         [--json] [--fail-on-warnings]

Compares two versions of a policy (YAML or JSON alias documents):
  - rules: paired old <-> new by identical match (whitespace and spelling aside), then by
    identical target, then by position; reported as added, removed, changed (what changed:
    moved, match, target_type, agent, partition_by, options, weights, option_order) or unchanged;
  - samples (--samples FILE, [{name?, context, expect?}]): those whose agent changes;
  - transitions: for each rule in both versions, N synthetic partition keys (--keys, default
    100000; synthetic-user-0..N-1, so figures are reproducible) are split by the old and the
    new target (a single target counts as one option), and the share of the rule's keys that
    moves from each agent to each other agent is reported. The figures are per rule: they
    assume the same sessions reach the rule before and after. When partition_by changed, the
    new side hashes other keys (every session is assumed to get a new partition value).
  - warnings: non_monotone (keys move from X to Y although Y's weight relative to X's did not
    rise: the alias key or partition changed), shadowed (a rule repeats an earlier match),
    unreachable (no sample reaches the rule, or its match is constantly false),
    partition_changed, expectation_failed and routing_error (samples under the new version).

--json (or --format json) prints {alias, status, keys, document, summary, rules, splits,
transitions: [{rule, old_rule, from, to, share, keys}], samples: [{sample, from, to,
from_rule, to_rule}], warnings: [{code, message, rule?}]}; shares are fractions in [0, 1].
--format markdown prints a pull-request comment with a Mermaid chart of traffic share.
Exit 0; 1 with --fail-on-warnings when there are warnings; 2 for invalid input (an invalid
policy prints its problems to stderr).`;

/** Prints a diff in the chosen format. */
export function writeDiff(io: CliIO, format: string, report: PolicyDiff, oldFile: string, newFile: string) {
  if (format === "json") writeJson(io, report);
  else if (format === "markdown") io.stdout.write(diffMarkdown(report, oldFile, newFile));
  else io.stdout.write(diffHuman(report, `Diff of ${oldFile} -> ${newFile}`));
}

export async function diffCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, DIFF_FLAGS);
  if (values.help) {
    io.stdout.write(`${DIFF_HELP}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new InputError("diff: give two policy files, OLD and NEW");
  const [oldFile, newFile] = positionals as [string, string];
  const format = outputFormat(values, io, ["human", "json", "markdown"]);
  const keys = parseKeys(values.keys);
  const before = await loadPolicy(oldFile, io);
  const after = await loadPolicy(newFile, io);
  const samples = values.samples === undefined ? [] : await loadSamples(values.samples, io);
  const report = diffPolicies(before.doc, after.doc, samples, { keys });
  writeDiff(io, format, report, oldFile, newFile);
  return values["fail-on-warnings"] && report.warnings.length > 0 ? EXIT.failure : EXIT.ok;
}
