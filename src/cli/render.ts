/** Human renderings of reports. */
import { type PreviewReport, percent } from "../policy/index.js";

export function formatPreview(file: string, report: PreviewReport): string {
  const out: string[] = [`Preview of ${file} (alias ${report.alias ?? "?"})`, ""];
  for (const r of report.rules) {
    const when = r.match === null ? "catch-all" : `match ${r.match}`;
    const to = r.target === "single" ? `-> ${r.agent_key}` : `-> weighted on ${r.partition_by}`;
    out.push(`rule #${r.rule}  ${when}  ${to}   samples: ${r.samples}`);
    if (r.split) {
      for (const s of r.split.shares) {
        out.push(
          `    ${s.agent_key.padEnd(24)} requested ${percent(s.requested).padStart(7)}   realised ${percent(s.realised).padStart(7)}`,
        );
      }
      out.push(
        `    over ${r.split.keys} synthetic keys: ${r.split.within_tolerance ? "within" : "OUTSIDE"} ${r.split.tolerance} points`,
      );
    }
  }
  if (report.samples.length > 0) {
    out.push("", "Samples:");
    for (const s of report.samples) {
      const got =
        "error" in s.result ? `error: ${s.result.error}` : `${s.result.agent_key} (rule #${s.result.rule})`;
      const exp = s.expect !== undefined ? `  expected ${s.expect}` : "";
      out.push(`  ${s.ok ? "ok  " : "FAIL"}  ${s.name.padEnd(28)} -> ${got}${exp}`);
    }
  }
  out.push(
    "",
    report.ok
      ? "OK"
      : `${report.failures.length} failure(s):\n${report.failures.map((f) => `  - ${f}`).join("\n")}`,
  );
  return `${out.join("\n")}\n`;
}
