/**
 * The offline subcommands of `agent-alias` (CLI.md): validate, resolve, eval, preview.
 * Each is an exported async function of (argv, io) returning an exit code.
 */
import { AgentAliasClient } from "../client/index.js";
import {
  fillAgent,
  isRecord,
  type PolicyIssue,
  parseSamples,
  previewPolicy,
  type Resolution,
  type RoutingContext,
  RoutingError,
  type Sample,
} from "../policy/index.js";
import { compileExpression, encodeValue, isUserFnError } from "../userfn/index.js";
import {
  COMMAND_FORMATS,
  commandFlags,
  formatUsage,
  onePositional,
  outputHelp,
  parseKeys,
  usageError,
  writeHelp,
} from "./args.js";
import { readContext, readDataFile, readJsonLines } from "./files.js";
import { type CliIO, EXIT, InputError, writeJson } from "./io.js";
import { checkPolicyData, formatIssues, loadPolicy, loadSamples, printedIssue } from "./policy-input.js";
import { formatPreview } from "./render.js";

/** Data shaped as a samples file (a list, or only `samples:`), which no alias document is. */
function isSamplesData(data: unknown): boolean {
  return (
    Array.isArray(data) || (isRecord(data) && Object.keys(data).length === 1 && Array.isArray(data.samples))
  );
}

function resolutionJson(r: Resolution): Record<string, unknown> {
  const out: Record<string, unknown> = { agent_key: r.agent_key, rule: r.rule, target: r.target };
  if (r.partition !== undefined) out.partition = r.partition;
  return out;
}

function resolutionHuman(r: Resolution): string {
  const why =
    r.target === "weighted"
      ? `rule #${r.rule}, weighted on ${JSON.stringify(r.partition)}`
      : `rule #${r.rule}, single`;
  return `${r.agent_key}  (${why})`;
}

/** The client of `validate --api URL`, credentials from the environment; a bad URL is an InputError. */
function apiOf(url: string, io: CliIO): AgentAliasClient {
  try {
    return new AgentAliasClient({ baseUrl: url, env: { ...(io.env ?? process.env) } });
  } catch (e) {
    throw usageError(`--api: ${(e as Error).message}`);
  }
}

/**
 * A valid policy's issues against an API: the agents it names that the API does not know
 * (the API's own message), or why the API could not tell (then `failed`).
 */
async function agentIssues(
  api: AgentAliasClient,
  agents: readonly string[],
): Promise<{ issues: PolicyIssue[]; failed?: string }> {
  try {
    const missing = await api.missingAgents(agents);
    if (missing.length === 0) return { issues: [] };
    return {
      issues: [
        {
          code: "unknown_agents",
          path: ["policy"],
          message: `Alias references unknown agent(s): [${missing.join(", ")}]`,
        },
      ],
    };
  } catch (e) {
    return { issues: [], failed: (e as Error).message };
  }
}

export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals, format: formatOf } = commandFlags(argv, "validate");
  if (values.help) return help(io, "validate");
  if (positionals.length === 0) throw usageError("give at least one policy file");
  const format = formatOf();
  const api = values.api === undefined ? undefined : apiOf(values.api, io);
  let invalid = false;
  let failed = false;
  for (const file of positionals) {
    const data = await readDataFile(file, io);
    if (isSamplesData(data)) {
      // A samples file beside the policies (`validate policies/*.yaml`): say what it is.
      const { issues } = parseSamples(data);
      if (issues.length > 0) invalid = true;
      const hint = `a samples file, not a policy: use it with agent-alias preview POLICY --samples ${file}`;
      if (format === "json") {
        const result = {
          kind: "samples",
          valid: issues.length === 0,
          errors: issues.map(({ path, message }) => ({ path, message })),
          note: hint,
        };
        writeJson(io, positionals.length === 1 ? result : { file, ...result });
      } else if (issues.length === 0) {
        io.stdout.write(`ok  ${file}: ${hint}\n`);
      } else {
        io.stdout.write(
          `${file}: ${hint}; ${issues.length} problem${issues.length === 1 ? "" : "s"}\n${issues.map((i) => `  ${i.message}\n`).join("")}`,
        );
      }
      continue;
    }
    const checked = checkPolicyData(data);
    let issues = checked.issues;
    if (checked.ok && api !== undefined) {
      const r = await agentIssues(api, checked.policy.agents);
      issues = r.issues;
      if (r.failed !== undefined) {
        failed = true;
        io.stderr.write(
          `agent-alias validate: ${file}: could not check its agents at ${values.api}: ${r.failed}\n`,
        );
      }
    }
    if (issues.length > 0) invalid = true;
    if (format === "json") {
      const result = {
        valid: issues.length === 0,
        errors: issues.map(printedIssue),
      };
      writeJson(io, positionals.length === 1 ? result : { file, ...result });
    } else if (issues.length === 0) {
      io.stdout.write(`ok  ${file}\n`);
    } else {
      io.stdout.write(formatIssues(file, issues));
    }
  }
  return invalid ? EXIT.invalid : failed ? EXIT.failure : EXIT.ok;
}

export async function resolveCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals, format: formatOf } = commandFlags(argv, "resolve");
  if (values.help) return help(io, "resolve");
  const file = onePositional(positionals, "policy file");
  if ((values.context === undefined) === (values.contexts === undefined)) {
    throw usageError("give either --context FILE or --contexts FILE.jsonl");
  }
  const format = formatOf();
  const policy = await loadPolicy(file, io);
  const inputs =
    values.context !== undefined
      ? [{ line: 0, value: await readContext(values.context, io) }]
      : await readJsonLines(values.contexts!, io);
  for (const { line, value } of inputs) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InputError(`${values.contexts}:${line}: a routing context must be a JSON object`);
    }
  }
  let exit: number = EXIT.ok;
  for (const { value } of inputs) {
    try {
      const r = policy.resolver.resolve(fillAgent(policy.document, value as RoutingContext));
      if (format === "json") writeJson(io, resolutionJson(r));
      else io.stdout.write(`${resolutionHuman(r)}\n`);
    } catch (e) {
      if (!(e instanceof RoutingError)) throw e;
      exit = EXIT.failure;
      if (format === "json") writeJson(io, { error: e.message });
      else io.stdout.write(`error: ${e.message}\n`);
    }
  }
  return exit;
}

export async function evalCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals, format: formatOf } = commandFlags(argv, "eval");
  if (values.help) return help(io, "eval");
  const expr = onePositional(positionals, "expression (quote it)");
  const format = formatOf();
  const context = values.context !== undefined ? await readContext(values.context, io) : {};
  try {
    const result = encodeValue(compileExpression(expr)(context));
    if (format === "json") writeJson(io, result);
    else io.stdout.write(`${result.type} ${JSON.stringify(result.value)}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!isUserFnError(e)) throw e;
    if (format === "json") writeJson(io, { error: e.message });
    else io.stderr.write(`error: ${e.format()}\n`);
    return e.isStatic ? EXIT.invalid : EXIT.failure;
  }
}

export async function previewCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals, format: formatOf } = commandFlags(argv, "preview");
  if (values.help) return help(io, "preview");
  const file = onePositional(positionals, "policy file");
  const format = formatOf();
  const keys = parseKeys(values.keys);
  const policy = await loadPolicy(file, io);
  const samples: Sample[] = values.samples === undefined ? [] : await loadSamples(values.samples, io);
  const report = previewPolicy(policy, samples, { syntheticKeys: keys });
  if (format === "json") writeJson(io, report);
  else io.stdout.write(formatPreview(file, report));
  return report.ok ? EXIT.ok : EXIT.failure;
}

export const HELP: Record<string, string> = {
  validate: `Usage: agent-alias validate POLICY... [--api URL] [${formatUsage(COMMAND_FORMATS.validate)}] [--json]

Validates each policy file offline (ROUTING.md §4). With --api URL, also asks that API
whether the agents each valid policy names exist (credentials from VECTARA_API_KEY, or
VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET); an unknown one is an error at "policy" with
the API's message. Exit 0 when all are valid, 2 otherwise, 1 when the API could not tell.
A samples file given by mistake ([{name?, context, expect?}]) is named as one and checked as
samples; it belongs to 'agent-alias preview POLICY --samples FILE'.
--json prints {"valid", "errors": [{"path", "message"}]} (one object per line, with "file",
when several files are given; "kind": "samples" for a samples file).
${outputHelp(COMMAND_FORMATS.validate)}`,
  resolve: `Usage: agent-alias resolve POLICY (--context FILE | --contexts FILE.jsonl) [${formatUsage(COMMAND_FORMATS.resolve)}] [--json]

Resolves routing contexts against the policy. A context without "agent" is filled from the
alias document. --json prints {"agent_key", "rule", "target", "partition"?} per context, or
{"error": "<message>"}; exit 1 if any context failed to route, 2 for invalid input.
${outputHelp(COMMAND_FORMATS.resolve)}`,
  eval: `Usage: agent-alias eval 'EXPR' [--context FILE] [${formatUsage(COMMAND_FORMATS.eval)}] [--json]

Evaluates one UserFn expression. --json prints {"type", "value"} (a datetime as an ISO-8601
string, a duration in seconds) or {"error"}; exit 2 for a parse/validation error, 1 for an
evaluation error.
${outputHelp(COMMAND_FORMATS.eval)}`,
  preview: `Usage: agent-alias preview POLICY [--samples FILE] [--keys N] [${formatUsage(COMMAND_FORMATS.preview)}] [--json]

Runs the policy over sample contexts ([{name?, context, expect?}]) and each weighted rule over
N synthetic partition keys (default 100000): per-rule sample counts, realised vs requested
split (tolerance 0.5 points), failed expectations. Exit 1 when an expectation fails.
--json prints {report_version: 2, alias, ok, rules, samples, failures}; shares are fractions
in [0, 1], as in diff --json (report version 1 gave them in percent).
${outputHelp(COMMAND_FORMATS.preview)}`,
};

export function help(io: CliIO, command: string): number {
  return writeHelp(io, HELP[command]!);
}
