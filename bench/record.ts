/**
 * Writes one benchmark's section of BENCHMARKS.md, between `<!-- NAME:start -->` and
 * `<!-- NAME:end -->`, leaving every other section as it is (creating the file if needed).
 */
import { readFileSync, writeFileSync } from "node:fs";

const FILE = new URL("../BENCHMARKS.md", import.meta.url);
const HEADER =
  "# Benchmarks\n\nFigures from this repository's benchmarks, each with the command that reproduces it.\n";

export function recordSection(name: string, lines: readonly string[]): void {
  let text: string;
  try {
    text = readFileSync(FILE, "utf8");
  } catch {
    text = HEADER;
  }
  const section = [`<!-- ${name}:start -->`, ...lines, `<!-- ${name}:end -->`].join("\n");
  const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  text = re.test(text) ? text.replace(re, () => section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(FILE, text);
}
