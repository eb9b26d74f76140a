/**
 * Renderings of a rollout's report (`agent-alias rollout`): Markdown for a pull request or a
 * CI job summary (a table of stages and one of each agent's figures, both narrow enough for a
 * comment; the verdicts; per gate of the table a Mermaid `xychart-beta` of each agent's figure
 * per check with the canary's bound and a legend; the steering commands), and a short text
 * summary for a terminal. Deterministic for a given report.
 */
import { canaryGates, type GateJsonField, type GateSpec } from "../policy/index.js";
import type { AgentReport, CheckReport, RolloutResult, StageReport } from "./report-types.js";

const cell = (text: string) => text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");

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
    ...timeline(r),
  ];
  const verdicts = r.stages.filter((s) => s.verdict !== null);
  if (verdicts.length > 0) {
    lines.push("", "Verdicts:", "");
    for (const s of verdicts) lines.push(`- **${cell(s.name)}**: ${cell(s.verdict!)}`);
  }
  for (const [, gate] of canaryGates()) lines.push(...gateChart(r, gate));
  if (r.steered !== undefined)
    lines.push("", "Steering:", "", ...r.steered.map((c) => `- ${cell(steeredLine(c))}`));
  if (r.up_log !== undefined) lines.push("", `Each \`pulumi up\`'s output: \`${cell(r.up_log)}\``);
  if (r.actions !== undefined) lines.push("", "Plan:", "", ...r.actions.map((a) => `- ${cell(a)}`));
  return `${lines.join("\n")}\n`;
}

/**
 * Two tables that fit a pull-request comment (at most 7 columns): the stages (weights, window,
 * checks, outcome), then each agent's figures at each stage's last check.
 */
function timeline(r: RolloutResult): string[] {
  const out = ["| Stage | Weights | Window (UTC) | Checks | Outcome |", "|---|---|---|---|---|"];
  for (const s of r.stages) {
    const window = `${time(s.window.start)}–${time(s.window.end)}${s.resumed ? " (resumed: in effect before the run)" : ""}`;
    out.push(
      `| ${cell(s.name)} | ${s.weights[0]}/${s.weights[1]} | ${window} | ${s.checks.length} | ${s.outcome} |`,
    );
  }
  const judged = r.stages.filter((s) => lastJudged(s) !== undefined);
  if (judged.length === 0) return out;
  const headers = ["Stage", "Agent", "Traces", ...canaryGates().map(([, g]) => g.label)];
  out.push(
    "",
    "Each agent at each stage's last check:",
    "",
    `| ${headers.join(" | ")} |`,
    `|${"---|".repeat(headers.length)}`,
  );
  for (const s of judged) {
    const c = lastJudged(s)!;
    for (const [i, a] of [c.baseline, c.canary].entries())
      out.push(
        `| ${i === 0 ? cell(s.name) : ""} | ${a?.agent_key ?? (i === 0 ? r.from : r.to)} | ${agentCells(a).join(" | ")} |`,
      );
  }
  return out;
}

/** The most points a chart draws: a longer run is sampled evenly, its last check kept. */
const MAX_POINTS = 40;
/** Mermaid's colors for the series, in order, and their names in the legend. */
const PALETTE = ["#0969da", "#8250df", "#cf222e"];
const COLOR_NAMES = ["blue", "purple", "red"];

/**
 * A chart of `gate`'s figure per check for each agent, and the canary's bound under the gate:
 * checks where an agent's figure is n/a (no traces) are left out, not drawn as 0; one check
 * is drawn as bars (a line needs two points). The x axis numbers the checks drawn; the legend
 * says which stage each range of numbers is, and which color is which series. Nothing when
 * no check has both figures.
 */
function gateChart(r: RolloutResult, gate: GateSpec): string[] {
  const field = gate.report.json as GateJsonField;
  let points = r.stages.flatMap((s) =>
    s.checks.flatMap((c) => {
      const a = c.baseline?.[field];
      const b = c.canary?.[field];
      if (a === null || a === undefined || b === null || b === undefined) return [];
      return [{ stage: s.name, values: [a, b], bound: c.bounds?.[gate.yaml] }];
    }),
  );
  if (points.length === 0) return [];
  if (points.length > MAX_POINTS) {
    const step = (points.length - 1) / (MAX_POINTS - 1);
    points = Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round(i * step)]!);
  }
  const bounded = points.every((p) => p.bound !== undefined);
  const series = [points.map((p) => p.values[0]!), points.map((p) => p.values[1]!)];
  if (bounded) series.push(points.map((p) => p.bound!));
  const max = Math.max(...series.flat()) * 1.2 || 1;
  const num = (v: number) => String(Math.round(v * 100) / 100);
  const names = [r.from, r.to, ...(bounded ? [`${gate.label} bound for ${r.to}`] : [])];
  const quoted = (xs: string[]) => xs.map((x) => `"${x.replace(/"/g, "'")}"`).join(", ");
  const single = points.length === 1;
  const axis = single ? names : points.map((_, i) => String(i + 1));
  const plots = single
    ? [`  bar [${series.map((s) => num(s[0]!)).join(", ")}]`]
    : series.map((s) => `  line [${s.map(num).join(", ")}]`);
  const total = r.stages.reduce((n, s) => n + s.checks.length, 0);
  const legend = single
    ? `${gate.label} at ${points[0]!.stage}'s one check, by agent${bounded ? ", and the bound" : ""}.`
    : `Lines: ${names.map((n, i) => `${n} (${COLOR_NAMES[i]})`).join(", ")}. Checks ${stageRanges(points)}${points.length < total ? "; checks without traces on an agent are left out" : ""}.`;
  return [
    "",
    "```mermaid",
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${PALETTE.join(", ")}"}}}}%%`,
    "xychart-beta",
    `  title "${gate.label} per check (${gate.report.column === "p95" ? "ms" : "%"})"`,
    `  x-axis [${quoted(axis)}]`,
    `  y-axis "${gate.label}" 0 --> ${Math.ceil(max)}`,
    ...plots,
    "```",
    "",
    legend,
  ];
}

/** `1–5 canary-5, 6–9 canary-20`: which numbers of the x axis are which stage. */
function stageRanges(points: readonly { stage: string }[]): string {
  const out: string[] = [];
  let start = 0;
  points.forEach((p, i) => {
    if (i + 1 < points.length && points[i + 1]!.stage === p.stage) return;
    out.push(`${start + 1 === i + 1 ? i + 1 : `${start + 1}–${i + 1}`} ${p.stage}`);
    start = i + 1;
  });
  return out.join(", ");
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
  if (r.up_log !== undefined) lines.push(`  each up's output: ${r.up_log}`);
  return `${lines.join("\n")}\n`;
}
