/**
 * docs/ARCHITECTURE.md's table of parts against the code: every folder of src/ is a part of
 * the table, and the parts each part's modules import (by their relative imports, resolved)
 * are exactly the ones its row names. A part's entry points, index.ts (the package entry,
 * which may re-export more) and main.ts (a process's), are not counted.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SRC = join(ROOT, "src");
const PAGE = readFileSync(join(ROOT, "docs/ARCHITECTURE.md"), "utf8");

/** The rows of the parts table: the first `src/…` folder of the row and the parts it names as imported. */
function tableRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of PAGE.split("\n")) {
    const folder = /^\|[^|]*\|[^|]*\[`src\/([a-z-]+)`\]/.exec(line)?.[1];
    if (folder === undefined) continue;
    const cells = line.split("|").map((c) => c.trim());
    const imports = cells[cells.length - 2]!;
    rows.set(folder, imports === "nothing" ? [] : imports.split(/,\s*/).sort());
  }
  return rows;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The other parts that `part`'s modules (its entry points aside) import. */
function importsOf(part: string): string[] {
  const found = new Set<string>();
  for (const file of tsFiles(join(SRC, part))) {
    if (["index.ts", "main.ts"].includes(relative(join(SRC, part), file))) continue;
    for (const m of readFileSync(file, "utf8").matchAll(/\bfrom\s+"(\.{1,2}\/[^"]+)"/g)) {
      const target = relative(SRC, resolve(dirname(file), m[1]!)).split(sep)[0]!;
      if (target !== part && !target.startsWith("..")) found.add(target);
    }
  }
  return [...found].sort();
}

describe("docs/ARCHITECTURE.md", () => {
  const rows = tableRows();
  const parts = readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

  it("has a row for every folder of src/", () => {
    expect([...rows.keys()].sort()).toEqual(parts);
  });

  it.each(parts)("src/%s imports what its row says", (part) => {
    expect(importsOf(part)).toEqual(rows.get(part));
  });
});
