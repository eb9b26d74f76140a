/** Seed files are read with the same limits as every other document (policy/documents.ts). */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSeed } from "../../src/emulator/index.js";
import { tempFiles } from "../helpers/cli.js";

const laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"];
for (const [i, name] of [..."bcdefg"].entries())
  laughs.push(`${name}: &${name} [${Array(9).fill(`*${"abcdef"[i]}`).join(", ")}]`);
const dir = tempFiles({
  "tag.yaml": 'agents:\n  - !!js/function "function () {}"\n',
  "bomb.yaml": `${laughs.join("\n")}\nagents: *g\n`,
  "two.yaml": "agents: []\n---\naliases: []\n",
});

describe("seed files", () => {
  it.each([
    [
      "an unknown YAML tag",
      "tag.yaml",
      /tag\.yaml: 2:5: not valid YAML or JSON: Unresolved tag: tag:yaml\.org,2002:js\/function/,
    ],
    ["an alias bomb", "bomb.yaml", /bomb\.yaml: not valid YAML or JSON: .*at most 100 aliases/],
    ["two documents", "two.yaml", /two\.yaml: holds 2 YAML documents; expected one/],
  ])("%s is refused with the file's name", (_label, file, message) => {
    expect(() => loadSeed(join(dir, file))).toThrow(message);
  });
});
