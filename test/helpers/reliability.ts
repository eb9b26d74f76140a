/**
 * Figures of the reliability suite (test/reliability/) and their section of BENCHMARKS.md.
 * Each test file of the suite records its own classes: a row is replaced by name, the other
 * files' rows are kept, so the table is the whole suite's whichever file ran last.
 */
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
  /** A call that changed what a credential's role may not change (control and role classes). */
  escalations?: number;
  /** A secret shown in a message (secret classes). */
  leaks?: number;
  note?: string;
}

/** Runs `p`, counting a hang in `f` (and settling with undefined) when it does not settle within `ms`. */
export async function bounded<T>(p: Promise<T>, f: ClassFigures, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      f.hangs++;
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The table's columns: a header and how a class's figures fill it. */
const COLUMNS: readonly [string, (name: string, f: ClassFigures) => string][] = [
  ["class", (name) => name],
  ["inputs tried", (_, f) => String(f.tried)],
  ["5xx answers", (_, f) => String(f.fiveHundreds)],
  ["crashes", (_, f) => String(f.crashes)],
  ["hangs", (_, f) => String(f.hangs)],
  ["acknowledged writes lost", (_, f) => String(f.lost ?? "n/a")],
  ["escalations", (_, f) => String(f.escalations ?? "n/a")],
  ["secrets shown", (_, f) => String(f.leaks ?? "n/a")],
  ["note", (_, f) => f.note ?? ""],
];

const HEADING = "## Reliability";

/**
 * Where the section ends: at the next heading, or at the marker of the next recorded section
 * (`<!-- native:start -->`), whichever comes first; -1 when it runs to the end.
 */
function sectionEnd(text: string, start: number): number {
  const ends = ["\n## ", "\n<!-- "].map((m) => text.indexOf(m, start + 1)).filter((i) => i >= 0);
  return ends.length === 0 ? -1 : Math.min(...ends);
}

/** The rows of the section as it is, by class, each a map from column header to cell. */
function existingRows(text: string): Map<string, Map<string, string>> {
  const rows = new Map<string, Map<string, string>>();
  const start = text.indexOf(HEADING);
  if (start < 0) return rows;
  const next = sectionEnd(text, start);
  const lines = text.slice(start, next < 0 ? undefined : next).split("\n");
  const cells = (line: string) =>
    line
      .replace(/^\|/, "")
      .replace(/\|\s*$/, "")
      .split("|")
      .map((c) => c.trim());
  const headerAt = lines.findIndex((l) => l.startsWith("| class |"));
  if (headerAt < 0) return rows;
  const header = cells(lines[headerAt]!);
  for (const line of lines.slice(headerAt + 2)) {
    if (!line.startsWith("|")) break;
    const row = new Map(cells(line).map((c, i) => [header[i] ?? `#${i}`, c]));
    rows.set(row.get("class") ?? "", row);
  }
  return rows;
}

/** Writes the "Reliability" section of BENCHMARKS.md: these classes' rows, the others' kept. */
export function recordFigures(figures: Record<string, ClassFigures>): void {
  const file = join(REPO, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const rows = existingRows(text);
  for (const [name, f] of Object.entries(figures))
    rows.set(name, new Map(COLUMNS.map(([header, cell]) => [header, cell(name, f)])));
  const section = [
    HEADING,
    "",
    `Recorded by \`npm run test:reliability\` (test/reliability/), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. Each class is tried as a hostile user or an unlucky operator would; the suite also runs inside \`npm test\`, which asserts the same zeros.`,
    "",
    `| ${COLUMNS.map(([h]) => h).join(" | ")} |`,
    `|${COLUMNS.map(() => "---").join("|")}|`,
    ...[...rows.values()].map((row) => `| ${COLUMNS.map(([h]) => row.get(h) ?? "n/a").join(" | ")} |`),
    "",
    "",
  ].join("\n");
  const start = text.indexOf(HEADING);
  const next = start < 0 ? -1 : sectionEnd(text, start);
  const end = next < 0 ? -1 : next + 1;
  const updated =
    start < 0
      ? `${text.trimEnd()}\n\n${section}`
      : `${text.slice(0, start)}${section}${end < 0 ? "" : text.slice(end)}`;
  writeFileSync(file, updated);
}
