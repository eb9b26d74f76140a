/** Figures of the reliability probe (test/reliability/) and their section of BENCHMARKS.md. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./cli.js";

export interface ClassFigures {
  tried: number;
  /** Answers of 500 and above (HTTP classes). */
  fiveHundreds: number;
  /** The server stopped answering, or a command threw instead of returning an exit code. */
  crashes: number;
  /** A request or command that did not finish within its bound. */
  hangs: number;
  /** Acknowledged writes missing after a restart (data-file classes). */
  lost?: number;
  note?: string;
}

/** Writes the "Reliability" section of BENCHMARKS.md from the figures. */
export function recordFigures(figures: Record<string, ClassFigures>): void {
  const file = join(REPO, "BENCHMARKS.md");
  const rows = Object.entries(figures).map(
    ([name, f]) =>
      `| ${name} | ${f.tried} | ${f.fiveHundreds} | ${f.crashes} | ${f.hangs} | ${f.lost ?? "n/a"} |${f.note ? ` ${f.note} |` : " |"}`,
  );
  const section = [
    "## Reliability",
    "",
    `Recorded by \`npm run test:reliability\` (test/reliability/), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. Each class is tried as a hostile user or an unlucky operator would; the suite also runs inside \`npm test\`, which asserts the same zeros.`,
    "",
    "| class | inputs tried | 5xx answers | crashes | hangs | acknowledged writes lost | note |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("## Reliability");
  const next = start < 0 ? -1 : text.indexOf("\n## ", start + 1);
  const updated =
    start < 0
      ? `${text.trimEnd()}\n\n${section}`
      : `${text.slice(0, start)}${section}${next < 0 ? "" : text.slice(next + 1)}`;
  writeFileSync(file, updated);
}
