/**
 * Renderings of a rollout's report (`agent-alias rollout`): Markdown for a pull request or a
 * CI job summary (a timeline table of stages, windows, per-agent traces, error rate, p95 and
 * verdicts, and a Mermaid `xychart-beta` of each agent's error rate per stage), and a short
 * text summary for a terminal. Deterministic for a given report.
 */
import { canaryGates, type GateJsonField } from "../policy/index.js";
import type { AgentReport, CheckReport, RolloutResult, StageReport } from "./report-types.js";

const cell = (text: string) => text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");

/** An agent's columns: its traces, then each gate's figure as the gate table shows it. */
const agentHeaders = (agent: string) => [
  `${agent} traces`,
  ...canaryGates().map(([, g]) => `${agent} ${g.report.column}`),
];
const agentCells = (a: AgentReport | undefined) => [
  String(a?.traces ?? "–"),
  ...canaryGates().map(([, g]) =>
    a === undefined ? "n/a" : g.report.cell(a[g.report.json as GateJsonField]),
  ),
];
const time = (s: string | null) => (s === null || s === "" ? "–" : s.slice(11, 19));

/** The last check that read traces: what a stage is reported by. */
export function lastJudged(stage: StageReport): CheckReport | undefined {
  return stage.checks.findLast((c) => c.verdict !== null);
}

/** A GitHub-flavoured Markdown report of a rollout. */
export function rolloutMarkdown(r: RolloutResult): string {
  const lines = [
    `### Rollout of \`${r.to}\` (baseline \`${r.from}\`): ${r.status}`,
    "",
    cell(r.message),
    "",
    `The alias \`${r.alias_key}\` served ${r.initial_deployed ?? "no stage of the table"} before the run and serves ${r.deployed_stage ?? "no stage of the table"} after it (stack config: ${r.final_stage ?? "unset"}).`,
    ...r.notes.map((n) => `- ${cell(n)}`),
    "",
  ];
  const headers = [
    "Stage",
    "Weights",
    "Window (UTC)",
    "Checks",
    ...agentHeaders(r.from),
    ...agentHeaders(r.to),
    "Outcome",
  ];
  lines.push(`| ${headers.join(" | ")} |`, `|${"---|".repeat(headers.length)}`);
  for (const s of r.stages) {
    const c = lastJudged(s);
    const window = `${time(s.window.start)}–${time(s.window.end)}${s.resumed ? " (resumed: in effect before the run)" : ""}`;
    const cells = [
      cell(s.name),
      `${s.weights[0]}/${s.weights[1]}`,
      window,
      String(s.checks.length),
      ...agentCells(c?.baseline),
      ...agentCells(c?.canary),
      s.outcome,
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const verdicts = r.stages.filter((s) => s.verdict !== null);
  if (verdicts.length > 0) {
    lines.push("", "Verdicts:", "");
    for (const s of verdicts) lines.push(`- **${cell(s.name)}**: ${cell(s.verdict!)}`);
  }
  const judged = r.stages.filter((s) => lastJudged(s) !== undefined);
  if (judged.length > 0) {
    const series = (pick: (c: CheckReport) => AgentReport | undefined) =>
      judged.map((s) => (pick(lastJudged(s)!)?.error_rate ?? 0).toFixed(2)).join(", ");
    const max = Math.max(
      1,
      ...judged.flatMap((s) => {
        const c = lastJudged(s)!;
        return [c.baseline?.error_rate ?? 0, c.canary?.error_rate ?? 0];
      }),
    );
    lines.push(
      "",
      "```mermaid",
      "xychart-beta",
      `  title "Error rate per stage (%): ${r.from} then ${r.to}"`,
      `  x-axis [${judged.map((s) => `"${s.name.replace(/"/g, "'")}"`).join(", ")}]`,
      `  y-axis "error rate (%)" 0 --> ${Math.ceil(max * 1.2)}`,
      `  line [${series((c) => c.baseline)}]`,
      `  line [${series((c) => c.canary)}]`,
      "```",
    );
  }
  if (r.steered !== undefined)
    lines.push("", "Steering:", "", ...r.steered.map((c) => `- ${cell(steeredLine(c))}`));
  if (r.actions !== undefined) lines.push("", "Plan:", "", ...r.actions.map((a) => `- ${cell(a)}`));
  return `${lines.join("\n")}\n`;
}

/** `12:04:05 at canary-20: pause by ana@ci: "metrics look odd"`. */
function steeredLine(c: NonNullable<RolloutResult["steered"]>[number]): string {
  const what = c.verb === "promote" && c.force ? "promote (forced)" : c.verb;
  return `${time(c.at)} at ${c.stage}: ${what} by ${c.by}${c.reason === null ? "" : `: "${c.reason}"`}`;
}

/** Traces left out of a check's figures, as a clause (`left out 12: other alias or direct 8, …`). */
function leftOut(c: CheckReport | undefined): string {
  const l = c?.left_out;
  if (l === undefined) return "";
  const parts = Object.entries({
    "other alias or direct": l.elsewhere,
    "before the stage": l.before_stage,
    "other rule": l.other_rule,
    "other policy": l.other_policy,
  }).filter(([, n]) => n > 0);
  const unjoined = c?.unjoined ? `; ${c.unjoined} without session_key counted by agent` : "";
  if (parts.length === 0) return unjoined;
  return `; left out ${parts.reduce((n, [, v]) => n + v, 0)} traces (${parts.map(([k, v]) => `${k} ${v}`).join(", ")})${unjoined}`;
}

/** A few lines for a terminal: the outcome, where the alias is, and each stage's last verdict. */
export function rolloutHuman(r: RolloutResult): string {
  const lines = [`rollout ${r.status}: ${r.message}`];
  if (r.status !== "dry_run")
    lines.push(
      `  alias ${r.alias_key}: served ${r.initial_deployed ?? "no stage"} before, serves ${r.deployed_stage ?? "no stage"} now (stack config ${r.final_stage ?? "unset"})`,
    );
  for (const s of r.stages)
    lines.push(
      `  ${s.name} (${s.weights[0]}/${s.weights[1]}): ${s.outcome}${s.resumed ? ` (resumed: in effect since ${s.window.start})` : ""}${leftOut(lastJudged(s))}`,
    );
  for (const c of r.steered ?? []) lines.push(`  steered: ${steeredLine(c)}`);
  return `${lines.join("\n")}\n`;
}
