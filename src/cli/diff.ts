/**
 * `agent-alias diff OLD NEW` (CLI.md): compares two versions of a policy with `diffPolicies`
 * (through policy-input's `diffVersions`) and prints the report as JSON, Markdown (a
 * pull-request comment) or text.
 */
import type { PolicyDiff } from "../policy/index.js";
import { COMMAND_FORMATS, commandFlags, outputHelp, parseKeys, usageError, writeHelp } from "./args.js";
import { type CliIO, EXIT, writeJson } from "./io.js";
import { diffHuman, diffMarkdown } from "./markdown.js";
import { diffVersions, loadPolicy, loadSamples } from "./policy-input.js";

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
policy prints its problems to stderr).
${outputHelp(COMMAND_FORMATS.diff)}`;

/** Prints a diff in the chosen format. */
function writeDiff(io: CliIO, format: string, report: PolicyDiff, oldFile: string, newFile: string) {
  if (format === "json") writeJson(io, report);
  else if (format === "markdown") io.stdout.write(diffMarkdown(report, oldFile, newFile));
  else io.stdout.write(diffHuman(report, `Diff of ${oldFile} -> ${newFile}`));
}

export async function diffCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals, format: formatOf } = commandFlags(argv, "diff");
  if (values.help) return writeHelp(io, DIFF_HELP);
  if (positionals.length !== 2) throw usageError("give two policy files, OLD and NEW");
  const [oldFile, newFile] = positionals as [string, string];
  const format = formatOf();
  const keys = parseKeys(values.keys);
  const before = await loadPolicy(oldFile, io);
  const after = await loadPolicy(newFile, io);
  const samples = values.samples === undefined ? [] : await loadSamples(values.samples, io);
  const report = diffVersions(before, after, samples, keys);
  writeDiff(io, format, report, oldFile, newFile);
  return values["fail-on-warnings"] && report.warnings.length > 0 ? EXIT.failure : EXIT.ok;
}
