/**
 * Renderings of policy diffs (`agent-alias diff`, `agent-alias review`): Markdown for a
 * pull-request comment (GitHub-flavoured tables, the traffic share before and after of each
 * weighted rule among them: a table says it more exactly than the bar chart it replaced), and
 * plain text for a terminal.
 * Output is deterministic (no timestamps, fixed order) so it can be pinned by snapshots.
 */
import {
  describeTarget,
  type PolicyDiff,
  percent as pct,
  type RuleDiff,
  type SplitDiff,
} from "../policy/index.js";
import type { ReviewReport } from "./reports.js";

/** The first line of every report, so a workflow can find and update its own comment. */
export const REVIEW_MARKER = "<!-- agent-alias-review -->";

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Inline code that survives a GFM table cell: pipes escaped, backticks fenced, one line. */
function code(text: string): string {
  const flat = text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  return flat.includes("`") ? `\`\` ${flat} \`\`` : `\`${flat}\``;
}

/** Plain text for a table cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function ruleCell(r: RuleDiff): string {
  if (r.old === null) return `new #${r.new!.rule}`;
  if (r.new === null) return `#${r.old.rule} (removed)`;
  return r.old.rule === r.new.rule ? `#${r.new.rule}` : `#${r.old.rule} → #${r.new.rule}`;
}

function targetCell(r: RuleDiff): string {
  const side = (r.new ?? r.old)!;
  if (side.target === "single") return `single ${code(side.agent_key!)}`;
  return `weighted on ${code(side.partition_by!)}: ${side.options!.map((o) => `${o.agent_key} ${o.weight}`).join(", ")}`;
}

/** One line summing up a diff. */
export function summaryLine(report: PolicyDiff): string {
  const s = report.summary;
  const parts = [
    report.status === "added"
      ? `new policy, ${plural(s.rules_added, "rule")}`
      : report.status === "removed"
        ? `policy deleted, ${plural(s.rules_removed, "rule")}`
        : `${plural(s.rules_changed, "rule")} changed, ${s.rules_added} added, ${s.rules_removed} removed`,
  ];
  if (s.samples > 0) parts.push(`${s.samples_changed} of ${plural(s.samples, "sample")} change agent`);
  if (report.status === "changed" || report.status === "unchanged") {
    parts.push(
      s.max_moved > 0 ? `up to ${pct(s.max_moved)} of a rule's keys move` : "no partition key changes agent",
    );
  }
  parts.push(plural(report.warnings.length, "warning"));
  return parts.join(" · ");
}

/** Rows of requested shares before and after, one per agent of a weighted rule (the table below). */
function splitRows(split: SplitDiff): string[] {
  const agents: string[] = [];
  for (const s of [...(split.before ?? []), ...(split.after ?? [])]) {
    if (!agents.includes(s.agent_key)) agents.push(s.agent_key);
  }
  const rule =
    split.old_rule === null
      ? `${split.rule} (new)`
      : split.rule === null
        ? `${split.old_rule} (removed)`
        : String(split.rule);
  const share = (side: SplitDiff["before"], agent: string) => {
    if (side === null) return "–";
    const v = side.find((s) => s.agent_key === agent)?.requested ?? 0;
    return pct(v);
  };
  return agents.map(
    (agent, i) =>
      `| ${i === 0 ? rule : ""} | ${agent} | ${share(split.before, agent)} | ${share(split.after, agent)} |`,
  );
}

/**
 * The body of one diff: summary line, then rule changes, traffic moved, charts, samples and
 * warnings, with section headings at `level` (2 = `##`).
 */
export function diffMarkdownBody(report: PolicyDiff, level: number): string {
  const h = "#".repeat(level);
  const out: string[] = [`**${summaryLine(report)}**`, ""];

  if (report.document.length > 0) {
    out.push(`${h} Document`, "", "| Field | Before | After |", "|---|---|---|");
    for (const d of report.document) {
      out.push(`| ${d.field} | ${code(JSON.stringify(d.old))} | ${code(JSON.stringify(d.new))} |`);
    }
    out.push("");
  }

  const changed = report.rules.filter((r) => r.status !== "unchanged");
  out.push(`${h} Rules`, "");
  if (changed.length === 0) {
    out.push("No rule changed.", "");
  } else {
    out.push("| Rule | Status | Match | Target | Changes |", "|---|---|---|---|---|");
    for (const r of changed) {
      const side = (r.new ?? r.old)!;
      const match = side.match === null ? "catch-all" : code(side.match);
      const changes = r.details.length > 0 ? r.details.map(cell).join("<br>") : "";
      out.push(`| ${ruleCell(r)} | ${r.status} | ${match} | ${targetCell(r)} | ${changes} |`);
    }
    out.push("");
  }
  const unchanged = report.rules.length - changed.length;
  if (unchanged > 0 && changed.length > 0) out.push(`${plural(unchanged, "rule")} unchanged, not shown.`, "");

  const paired = report.splits.some((s) => s.moved !== null) || report.transitions.length > 0;
  if (paired) {
    out.push(
      `${h} Traffic moved`,
      "",
      `Share of each rule's partition keys that change agent, over ${report.keys.toLocaleString("en-US")} synthetic keys.`,
      "",
    );
    if (report.transitions.length === 0) {
      out.push("No key changes agent.", "");
    } else {
      out.push("| Rule | From | To | Share |", "|---|---|---|---|");
      for (const t of report.transitions) {
        const rule = t.old_rule === t.rule ? `#${t.rule}` : `#${t.old_rule} → #${t.rule}`;
        out.push(`| ${rule} | ${t.from} | ${t.to} | ${pct(t.share)} |`);
      }
      out.push("");
    }
  }

  if (report.splits.length > 0) {
    out.push(
      `${h} Traffic share before and after`,
      "",
      "| Rule | Agent | Before | After |",
      "|---|---|---|---|",
    );
    for (const s of report.splits) out.push(...splitRows(s));
    out.push("");
  }

  if (report.summary.samples > 0) {
    out.push(`${h} Samples`, "");
    if (report.samples.length === 0) {
      out.push(`None of the ${plural(report.summary.samples, "sample")} changes agent.`, "");
    } else {
      out.push("| Sample | Before | After |", "|---|---|---|");
      const side = (agent: string | null, rule: number | null, error: string | undefined) =>
        error !== undefined ? `error: ${cell(error)}` : agent === null ? "—" : `${agent} (rule #${rule})`;
      for (const c of report.samples) {
        out.push(
          `| ${cell(c.sample)} | ${side(c.from, c.from_rule, c.from_error)} | ${side(c.to, c.to_rule, c.to_error)} |`,
        );
      }
      out.push("");
    }
  }

  out.push(`${h} Warnings`, "");
  if (report.warnings.length === 0) out.push("None.", "");
  else out.push(...report.warnings.map((w) => `- \`${w.code}\`: ${w.message}`), "");
  return out.join("\n");
}

/** `agent-alias diff --format markdown`: a whole comment for one policy. */
export function diffMarkdown(report: PolicyDiff, oldFile: string, newFile: string): string {
  const alias = report.alias.new ?? report.alias.old;
  return [
    REVIEW_MARKER,
    `## Policy diff${alias === null ? "" : `: ${code(alias)}`}`,
    "",
    `${code(oldFile)} → ${code(newFile)}`,
    "",
    diffMarkdownBody(report, 3),
  ].join("\n");
}

/** `agent-alias review --format markdown`: one comment for every changed policy file. */
export function reviewMarkdown(review: ReviewReport): string {
  const out = [REVIEW_MARKER, "## Policy review", ""];
  const base = `${code(review.base)} (merge base ${code(review.merge_base.slice(0, 12))})`;
  if (review.files.length === 0) {
    out.push(`No policy file changed since ${base}.`, "");
    return out.join("\n");
  }
  out.push(`${plural(review.files.length, "policy file")} changed since ${base}.`, "");
  for (const f of review.files) {
    const alias = f.report ? (f.report.alias.new ?? f.report.alias.old) : null;
    out.push(`### ${code(f.path)}${alias === null ? "" : ` (alias ${code(alias)})`}: ${f.status}`, "");
    for (const note of f.notes) out.push(`> ${note}`, "");
    if (f.errors.length > 0) {
      out.push("The new version is not a valid policy:", "");
      out.push(...f.errors.map((e) => `- ${code(e.path)}: ${cell(e.message)}`), "");
    }
    if (f.report) out.push(diffMarkdownBody(f.report, 4));
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Plain text.

function humanRule(r: RuleDiff): string {
  const head = `  ${ruleCell(r).padEnd(14)} ${r.status.padEnd(9)}`;
  if (r.status === "added" || r.status === "removed") {
    const side = (r.new ?? r.old)!;
    return `${head} ${side.match === null ? "catch-all" : `match ${side.match}`} -> ${describeTarget(side)}`;
  }
  return `${head} ${r.details.join("; ")}`;
}

/** Terminal rendering of one diff. */
export function diffHuman(report: PolicyDiff, title: string): string {
  const out = [title, summaryLine(report), ""];
  for (const d of report.document)
    out.push(`  ${d.field}: ${JSON.stringify(d.old)} -> ${JSON.stringify(d.new)}`);
  const changed = report.rules.filter((r) => r.status !== "unchanged");
  out.push("Rules:", ...(changed.length === 0 ? ["  no rule changed"] : changed.map(humanRule)));
  if (report.transitions.length > 0) {
    out.push(`Keys that change agent (of ${report.keys} synthetic keys per rule):`);
    for (const t of report.transitions) {
      out.push(`  rule #${t.rule}  ${t.from} -> ${t.to}  ${pct(t.share)}`);
    }
  }
  if (report.samples.length > 0) {
    out.push("Samples that change agent:");
    for (const c of report.samples) {
      const side = (agent: string | null, rule: number | null, error: string | undefined) =>
        error !== undefined ? `error: ${error}` : agent === null ? "-" : `${agent} (rule #${rule})`;
      out.push(
        `  ${c.sample.padEnd(24)} ${side(c.from, c.from_rule, c.from_error)} -> ${side(c.to, c.to_rule, c.to_error)}`,
      );
    }
  }
  if (report.warnings.length > 0) {
    out.push("Warnings:", ...report.warnings.map((w) => `  ${w.code}: ${w.message}`));
  }
  return `${out.join("\n")}\n`;
}

/** Terminal rendering of a review: each changed policy file's diff, or its problems. */
export function reviewHuman(review: ReviewReport): string {
  const base = `${review.base} (merge base ${review.merge_base.slice(0, 12)})`;
  if (review.files.length === 0) return `No policy file changed since ${base}.\n`;
  const out = [`${review.files.length} policy file(s) changed since ${base}.`, ""];
  for (const f of review.files) {
    const title = `${f.path}: ${f.status}${f.samples === null ? "" : ` (samples: ${f.samples})`}`;
    for (const n of f.notes) out.push(`note: ${n}`);
    if (f.report) out.push(diffHuman(f.report, title));
    else out.push(title, ...f.errors.map((e) => `  ${e.path}: ${e.message}`), "");
  }
  return `${out.join("\n")}\n`;
}
