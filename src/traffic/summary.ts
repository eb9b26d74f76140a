/** The one-line summary of a traffic run, as `agent-alias emulator traffic` prints it. */
import { formatMs } from "../units/index.js";
import type { TrafficResult } from "./types.js";

const pct = (n: number, of: number): string => `${of === 0 ? 0 : Number(((100 * n) / of).toFixed(1))}%`;

/**
 * The run in one line: `traffic via support: 1000 sessions, 1000 inputs in 20 s (50/s);
 * support-v1 950 (9 errors, 0.9%, p95 402 ms), support-v2 50 (4 errors, 8%, p95 388 ms);
 * 0 failed calls`.
 */
export function formatTrafficSummary(r: TrafficResult): string {
  const agents = Object.entries(r.agents)
    .sort((a, b) => b[1].sessions - a[1].sessions || a[0].localeCompare(b[0]))
    .map(([key, a]) => {
      if (a.traces === undefined) return `${key} ${a.sessions}`;
      const parts = [`${a.errors ?? 0} errors of ${a.traces} traces, ${pct(a.errors ?? 0, a.traces)}`];
      if (a.p95_ms !== undefined) parts.push(`p95 ${formatMs(a.p95_ms)}`);
      return `${key} ${a.sessions} (${parts.join(", ")})`;
    });
  const failed = r.failures.sessions + r.failures.inputs;
  const codes = Object.entries(r.failures.by_code)
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  const parts = [
    `traffic via ${r.alias}: ${r.sessions} sessions, ${r.inputs} inputs in ${formatMs(r.elapsed_ms)} (${r.rate_per_s}/s)`,
    agents.length > 0 ? agents.join(", ") : "no agent answered",
    failed === 0 ? "0 failed calls" : `${failed} failed calls (${codes})`,
  ];
  if (r.traces !== null && "unavailable" in r.traces)
    parts.push(`traces unavailable: ${r.traces.unavailable}`);
  if (r.stopped === "fatal") parts.push(`stopped: ${r.fatal}`);
  else if (r.stopped === "aborted") parts.push("stopped early");
  return parts.join("; ");
}
