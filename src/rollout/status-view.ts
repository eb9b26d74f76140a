/**
 * A rollout's status in words, for people: what `agent-alias rollout status` prints, the panel
 * a running rollout redraws on a terminal, and the dashboard's text. Pure: the record, the last
 * status and command (all from the stack's tags) and the time now.
 */
import { formatMs } from "../units/index.js";
import type { RolloutRecord } from "./record.js";
import type { RolloutStatusSnapshot } from "./status.js";
import { describeCommand, type SteerCommand } from "./steering.js";

/** What the stack's tags say about its rollout. */
export interface StatusView {
  readonly record: RolloutRecord | undefined;
  /** Whether its holder is at work (record.ts holderState). */
  readonly holder: "none" | "live" | "dead";
  /** The status of the same run as the record, if it wrote one. */
  readonly status: RolloutStatusSnapshot | undefined;
  readonly command: SteerCommand | undefined;
  /** The verdict kept beside an abort. */
  readonly verdict: string | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const pct = (n: number | null) => (n === null ? "n/a" : `${n.toFixed(2)}%`);
const ms = (n: number | null) => (n === null ? "n/a" : `${Math.round(n)} ms`);

/** How a gate's figure and bound read: `error_rate 1.90% <= 2.20%`, `min_traces 310 >= 100`. */
function gateLine(g: RolloutStatusSnapshot["gates"][number]): string {
  const fmt = (n: number | null) =>
    g.gate === "error_rate" ? pct(n) : g.gate === "p95_duration" ? ms(n) : n === null ? "n/a" : String(n);
  const op = g.gate === "min_traces" ? ">=" : "<=";
  return `${g.gate} ${fmt(g.canary)} ${op} ${fmt(g.bound)}: ${g.status}`;
}

/** The next step, in words. */
function nextStep(s: RolloutStatusSnapshot, now: number): string {
  if (s.paused) return `paused: stays at ${s.stage} until \`agent-alias rollout resume\``;
  if (s.verdict === "fail") return "a gate fails: aborts after max_failed_checks failed checks in a row";
  const left = s.since + s.holdMs - now;
  const then = s.next === null ? "complete" : s.next;
  if (left > 0) return `${then} once the hold is over (${formatMs(left)} left) and every gate passes`;
  return `${then} at the first check where every gate passes`;
}

/** The lines of the view (no trailing newline). */
export function statusLines(v: StatusView, stack: string, now: number): string[] {
  const r = v.record;
  if (r === undefined) return [`no rollout has run on stack ${stack}`];
  const seen = formatMs(Math.max(0, now - r.seen));
  const who = `${r.by}, pid ${r.pid}, started ${iso(r.since)}, last seen ${seen} ago`;
  if (r.phase === "ended") {
    const lines = [`stack ${stack}: the last rollout ended: ${r.outcome ?? "?"} at ${r.stage} (${who})`];
    if (v.verdict !== undefined && r.outcome === "aborted") lines.push(`  verdict: ${v.verdict}`);
    return lines;
  }
  const state = v.holder === "live" ? r.phase : `${r.phase}, but its runner is gone (not seen for ${seen})`;
  const lines = [
    `stack ${stack}: rollout ${state} at ${r.stage}${r.target ? ` -> ${r.target}` : ""} (${who})`,
  ];
  const s = v.status;
  if (s === undefined || s.run !== r.run) return [...lines, "  no check yet"];
  const command = v.command !== undefined && v.command.run === r.run ? v.command : undefined;
  return [...lines, ...snapshotLines(s, now, command).map((l) => `  ${l}`)];
}

/** A status's lines: the stage, the checks, each agent, each gate, the last command, the next step. */
export function snapshotLines(s: RolloutStatusSnapshot, now: number, command?: SteerCommand): string[] {
  const lines: string[] = [];
  const held = formatMs(Math.max(0, now - s.since));
  const hold = `hold ${formatMs(s.holdMs)}, ${formatMs(Math.max(0, s.since + s.holdMs - now))} left`;
  lines.push(`stage ${s.stage} (${s.weights.join("/")}) since ${iso(s.since)} (${held}), ${hold}`);
  lines.push(
    `${s.checks} check${s.checks === 1 ? "" : "s"}, last at ${iso(s.at)}: ${s.verdict ?? "none yet"}`,
  );
  for (const a of s.agents)
    lines.push(`${a.agent}: ${a.traces} traces, error rate ${pct(a.errorRate)}, p95 ${ms(a.p95Ms)}`);
  for (const g of s.gates) lines.push(`gate ${gateLine(g)}`);
  if (command !== undefined) {
    const acted = s.acked !== null && s.acked >= command.at;
    lines.push(
      `command: ${describeCommand(command)} at ${iso(command.at)}: ${acted ? "acted on" : "not yet acted on"}`,
    );
  }
  lines.push(`next: ${nextStep(s, now)}`);
  return lines;
}
