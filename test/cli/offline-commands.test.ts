import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, spawnCli, tempFiles } from "../helpers/cli.js";

const POLICY = "examples/policies/support.yaml";
const SAMPLES = "examples/policies/support.samples.yaml";

const files = tempFiles({
  "eu.json": JSON.stringify({ session: { key: "s1", metadata: { tenant: "eu" } } }),
  "user.yaml": "session:\n  key: s2\n  metadata: { user_id: u-42 }\n",
  "batch.jsonl": [
    JSON.stringify({ session: { metadata: { tenant: "eu" } } }),
    "",
    JSON.stringify({ session: { metadata: { tier: "gold" } } }),
    JSON.stringify({ session: { metadata: { user_id: "u-1" } } }),
  ].join("\n"),
  "bad.jsonl": `${JSON.stringify({ session: {} })}\n{not json\n`,
  "strict.yaml":
    "key: s\nname: s\npolicy:\n  type: routed\n  rules:\n    - match: \"get('$.session.metadata.t') == 'x'\"\n      targets: { type: single, agent_key: a }\n",
  "weighted-null.yaml":
    "key: s\npolicy:\n  type: routed\n  rules:\n    - targets: { type: weighted, partition_by: \"get('$.session.metadata.user_id')\", options: [{ agent_key: a, weight: 1 }] }\n",
  "ctx-tier.json": JSON.stringify({ session: { metadata: { tier: 5 } } }),
  "not-yaml.yaml": "key: [unclosed\n",
  "wrong-samples.yaml": "- context: {}\n  expect: 5\n",
  "bad-samples.yaml":
    "- name: eu\n  context: { session: { metadata: { tenant: eu } } }\n  expect: support-v1\n",
});
const f = (name: string) => join(files, name);

describe("agent-alias validate", () => {
  it("accepts a valid policy: a line for people, piped or not; JSON when asked", async () => {
    const r = await cli(["validate", POLICY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`ok  ${POLICY}\n`);
    for (const flag of [["--json"], ["--format", "json"]])
      expect(JSON.parse((await cli(["validate", POLICY, ...flag])).stdout)).toEqual({
        valid: true,
        errors: [],
      });
  });

  it("reports every problem with its path, exit 2", async () => {
    const r = await cli(["validate", "examples/policies/broken.yaml", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      valid: false,
      errors: [
        { path: "policy.rules[0].match", message: "rule #1: match: unknown function 'lower' at column 1" },
        { path: "policy.rules[1].targets.partition_by", message: "partition_by is required." },
        { path: "policy.rules[2]", message: "rule #3 follows a catch-all rule and is unreachable" },
        {
          path: "policy.rules[2].match",
          message:
            "rule #3: match: invalid path '$..tier': recursive descent '..' is not a definite path at column 5",
        },
      ],
    });
  });

  it("human output shows a caret under the faulty expression", async () => {
    const r = await cli(["validate", "examples/policies/broken.yaml"], { tty: true });
    expect(r.stdout).toContain("examples/policies/broken.yaml: 4 problems\n");
    expect(r.stdout).toContain(
      "  policy.rules[0].match: rule #1: match: unknown function 'lower' at column 1\n      lower(get('$.session.metadata.tenant')) == 'eu'\n      ^^^^^\n",
    );
  });

  it("several files give one JSON line each, with the file", async () => {
    const r = await cli(["validate", POLICY, "examples/policies/broken.yaml", "--json"]);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.file, l.valid])).toEqual([
      [POLICY, true],
      ["examples/policies/broken.yaml", false],
    ]);
    expect(r.code).toBe(2);
  });

  it("a missing or unparsable file is invalid input naming the file", async () => {
    const missing = await cli(["validate", "nope.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("agent-alias validate: nope.yaml: no such file\n");
    const bad = await cli(["validate", f("not-yaml.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not-yaml\.yaml:\d+:\d+: not valid YAML or JSON/);
  });
});

describe("agent-alias resolve", () => {
  it("resolves a single target", async () => {
    const r = await cli(["resolve", POLICY, "--context", f("eu.json"), "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ agent_key: "support-v2", rule: 1, target: "single" });
  });

  it("resolves a weighted target with its partition, from a YAML context", async () => {
    const r = await cli(["resolve", POLICY, "--context", f("user.yaml"), "--json"]);
    expect(JSON.parse(r.stdout)).toEqual({
      agent_key: expect.stringMatching(/^support-v[12]$/),
      rule: 3,
      target: "weighted",
      partition: "u-42",
    });
  });

  it("resolves a batch, one line per context, skipping blank lines", async () => {
    const r = await cli(["resolve", POLICY, "--contexts", f("batch.jsonl"), "--json"]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.rule)).toEqual([1, 2, 3]);
  });

  it("a routing error prints {error} with the exact message, exit 1", async () => {
    const r = await cli(["resolve", f("strict.yaml"), "--context", f("eu.json"), "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: "no rule matched and no catch-all rule was provided" });
    const n = await cli(["resolve", f("weighted-null.yaml"), "--context", f("eu.json"), "--json"]);
    expect(JSON.parse(n.stdout)).toEqual({ error: "partition_by evaluated to null" });
  });

  it("an evaluation error names the rule and field", async () => {
    const dir = tempFiles({
      "p.yaml":
        "key: s\npolicy:\n  type: routed\n  rules:\n    - match: \"get('$.session.metadata.tier') < 'a'\"\n      targets: { type: single, agent_key: a }\n",
    });
    const r = await cli(["resolve", join(dir, "p.yaml"), "--context", f("ctx-tier.json"), "--json"]);
    expect(JSON.parse(r.stdout)).toEqual({ error: "rule #1: match: cannot compare number with string" });
    expect(r.code).toBe(1);
  });

  it("a bad line in a batch fails the whole batch before anything resolves (exit 2)", async () => {
    const r = await cli(["resolve", POLICY, "--contexts", f("bad.jsonl"), "--json"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/bad\.jsonl:2: not valid JSON/);
  });

  it("an invalid policy prints its problems to stderr and exits 2", async () => {
    const r = await cli(["resolve", "examples/policies/broken.yaml", "--context", f("eu.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("partition_by is required.");
  });

  it("flags are checked", async () => {
    expect((await cli(["resolve", POLICY])).stderr).toContain(
      "give either --context FILE or --contexts FILE.jsonl",
    );
    expect((await cli(["resolve", POLICY, "--bogus"])).code).toBe(2);
    expect((await cli(["resolve", POLICY, "--context", f("eu.json"), "--format", "xml"])).stderr).toContain(
      "--format must be one of human, json",
    );
  });
});

describe("agent-alias eval", () => {
  it("prints {type, value}", async () => {
    expect(JSON.parse((await cli(["eval", "2 + 3", "--json"])).stdout)).toEqual({ type: "number", value: 5 });
    const r = await cli([
      "eval",
      "get('$.session.metadata.tenant') == 'eu'",
      "--context",
      f("eu.json"),
      "--json",
    ]);
    expect(JSON.parse(r.stdout)).toEqual({ type: "boolean", value: true });
    expect(
      JSON.parse(
        (await cli(["eval", "iso_datetime_parse('2026-01-15T10:35:00Z') + minutes(1)", "--json"])).stdout,
      ),
    ).toEqual({ type: "datetime", value: "2026-01-15T10:36:00.000Z" });
    expect(JSON.parse((await cli(["eval", "hours(1)", "--json"])).stdout)).toEqual({
      type: "duration",
      value: 3600,
    });
  });

  it("a parse or validation error exits 2, an evaluation error 1", async () => {
    const parseErr = await cli(["eval", "1 +", "--json"]);
    expect(parseErr.code).toBe(2);
    expect(JSON.parse(parseErr.stdout)).toEqual({ error: "unexpected end of expression at column 4" });
    const evalErr = await cli(["eval", "1 < 'a'", "--json"]);
    expect(evalErr.code).toBe(1);
    expect(JSON.parse(evalErr.stdout)).toEqual({ error: "cannot compare number with string" });
  });

  it("human errors show the caret on stderr", async () => {
    const r = await cli(["eval", "lower('A')"], { tty: true });
    expect(r.stderr).toBe("error: unknown function 'lower' at column 1\n  lower('A')\n  ^^^^^\n");
  });
});

describe("agent-alias preview", () => {
  it("reports rules, split and samples; exit 0 when all expectations hold", async () => {
    const r = await cli(["preview", POLICY, "--samples", SAMPLES, "--keys", "20000", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    // Report version 2: shares are fractions in [0, 1], as in the diff's report.
    expect(report.report_version).toBe(2);
    expect(report.rules.map((x: { samples: number }) => x.samples)).toEqual([1, 1, 2]);
    const split = report.rules[2].split;
    expect(split.keys).toBe(20000);
    expect(split.shares.map((s: { requested: number }) => s.requested)).toEqual([0.9, 0.1]);
    for (const s of split.shares) expect(Math.abs(s.realised - s.requested)).toBeLessThan(0.005);
  });

  it("a failed expectation names the sample and both agents, exit 1", async () => {
    const r = await cli(["preview", POLICY, "--samples", f("bad-samples.yaml"), "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).failures).toEqual([
      "sample eu: expected support-v1, got support-v2 (rule #1)",
    ]);
  });

  it("malformed samples are invalid input naming the field", async () => {
    const r = await cli(["preview", POLICY, "--samples", f("wrong-samples.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("samples[0].expect");
  });
});

describe("the agent-alias binary", () => {
  it("runs as a process with the documented exit codes", async () => {
    const ok = await spawnCli(["eval", "1 + 1", "--json"]);
    expect([ok.code, ok.stdout]).toEqual([0, '{"type":"number","value":2}\n']);
    expect((await spawnCli(["eval", "1 < 'a'"])).code).toBe(1);
    expect((await spawnCli(["validate", "examples/policies/broken.yaml"])).code).toBe(2);
    const help = await spawnCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: agent-alias <command>");
    const unknown = await spawnCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
