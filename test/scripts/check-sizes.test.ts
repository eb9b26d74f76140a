import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../scripts/check-sizes.mjs", import.meta.url));
const roots: string[] = [];

/** Runs the size check on a fresh tree holding `files` (paths under the root). */
function checkTree(files: Record<string, string>, args: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "check-sizes-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const run = spawnSync(process.execPath, [SCRIPT, "--root", root, ...args], { encoding: "utf8" });
  return { status: run.status, stderr: run.stderr };
}

const statements = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");
/** A function declaration of exactly `lines` lines. */
const fn = (name: string, lines: number) => `export function ${name}() {\n${statements(lines - 2)}\n}\n`;
const filler = (lines: number) =>
  Array.from({ length: lines }, (_, i) => `export const c${i} = ${i};`).join("\n") + "\n";

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

// Two runs of the script (each loads the TypeScript compiler): one tree at the limits, one
// with every kind of excess.
describe("scripts/check-sizes.mjs", () => {
  it("passes files and functions at the limits", () => {
    const run = checkTree({
      "src/policy/short.ts": fn("atLimit", 120),
      "src/policy/full.ts": filler(400),
      "src/emulator/room.ts": filler(300),
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("fails each file and function over its limit, naming it", () => {
    const body = statements(119);
    const run = checkTree({
      "src/policy/long.ts": fn("tooLong", 121),
      "src/a.ts": `export const arrow = () => {\n${body}\n};\n`,
      "src/b.ts": `export class K {\n  method() {\n${body}\n  }\n}\n`,
      "src/big.ts": filler(401),
      "src/emulator/room.ts": filler(301),
    });
    expect(run.status).toBe(1);
    expect(run.stderr.split("\n").sort()).toEqual(
      [
        "src/policy/long.ts:1: function tooLong has 121 lines (limit 120)",
        "src/a.ts:1: function arrow has 121 lines (limit 120)",
        "src/b.ts:2: function method has 121 lines (limit 120)",
        "src/big.ts: 401 lines (limit 400)",
        "src/emulator/room.ts: 301 lines (limit 300)",
        "check-sizes: 5 over the limits (split the file or function)",
        "",
      ].sort(),
    );
  });
});
