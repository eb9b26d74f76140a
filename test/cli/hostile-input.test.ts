/**
 * Hostile input files: each is refused with exit 2 and a one-line message naming
 * the file, never a stack trace (limits in src/cli/files.ts, INPUT_LIMITS).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INPUT_LIMITS } from "../../src/cli/files.js";
import { cli, tempFiles } from "../helpers/cli.js";

const POLICY = "examples/policies/support.yaml";
const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
for (const [i, n] of ["b", "c", "d", "e", "f", "g", "h"].entries()) {
  const prev = "abcdefg"[i]!;
  laughs.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(", ")}]`);
}
let deep = "1";
for (let i = 0; i < 100_000; i++) deep = `{"a":${deep}}`;

const files = tempFiles({
  "bomb.yaml": `${laughs.join("\n")}\npolicy: *h\n`,
  "bomb-context.yaml": `${laughs.join("\n")}\nsession: { metadata: { x: *h } }\n`,
  "cyclic.yaml": "session: &s { metadata: { self: *s } }\n",
  "deep.json": deep,
  "tag.yaml": 'key: s\npolicy: !!js/function "function () { return 1 }"\n',
  "custom-tag.yaml": "key: s\npolicy: !whatever { type: routed }\n",
  "big.yaml": `key: s\nname: ${"x".repeat(INPUT_LIMITS.maxFileBytes)}\n`,
  "deep-metadata.yaml": `key: s\nmetadata: ${"{a: ".repeat(70)}1${"}".repeat(70)}\npolicy: { type: routed, rules: [{ targets: { type: single, agent_key: a } }] }\n`,
});
const f = (name: string) => join(files, name);

describe("hostile input files", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "a YAML alias bomb (validate)",
      ["validate", f("bomb.yaml")],
      /bomb\.yaml: not valid YAML or JSON: .*at most 100 aliases/,
    ],
    ["a YAML alias bomb (preview)", ["preview", f("bomb.yaml")], /bomb\.yaml: not valid YAML or JSON/],
    [
      "a YAML alias bomb as a context",
      ["resolve", POLICY, "--context", f("bomb-context.yaml")],
      /bomb-context\.yaml/,
    ],
    [
      "a cyclic context",
      ["resolve", POLICY, "--context", f("cyclic.yaml")],
      /cyclic\.yaml: .*nested deeper than 64 levels/,
    ],
    [
      "a 100,000-deep context (eval)",
      ["eval", "get('$.a')", "--context", f("deep.json")],
      /deep\.json: .*nested deeper than 64 levels/,
    ],
    [
      "a !!js/function tag",
      ["validate", f("tag.yaml")],
      /tag\.yaml:2:9: not valid YAML or JSON: Unresolved tag/,
    ],
    ["an unknown local tag", ["validate", f("custom-tag.yaml")], /custom-tag\.yaml:2:9: .*Unresolved tag/],
    [
      "a file over the size limit",
      ["validate", f("big.yaml")],
      /big\.yaml: \d+ bytes, larger than the limit of 1048576 bytes/,
    ],
    [
      "metadata nested deeper than the API takes",
      ["validate", f("deep-metadata.yaml")],
      /nested deeper than 64 levels/,
    ],
    ["a directory", ["validate", files], /is a directory/],
  ];
  it.each(cases)("%s: exit 2 with a message naming the file", async (_label, argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("eval of arithmetic past the datetime range is null, not a crash", async () => {
    const r = await cli(["eval", "now() + seconds(1e308)", "--json"]);
    expect([r.code, JSON.parse(r.stdout)]).toEqual([0, { type: "null", value: null }]);
  });
});
