import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffReportSchema } from "../fixtures/diff/report-schema.js";
import { cli, spawnCli, tempFiles } from "../helpers/cli.js";

const OLD = "test/fixtures/diff/support-old.yaml";
const NEW = "test/fixtures/diff/support-new.yaml";
const SAMPLES = "test/fixtures/diff/support.samples.yaml";

const files = tempFiles({
  "a.yaml":
    "key: s\npolicy:\n  type: routed\n  rules:\n    - targets: { type: weighted, partition_by: \"get('$.u', '')\", options: [{ agent_key: v1, weight: 50 }, { agent_key: v2, weight: 50 }] }\n",
  "b.yaml":
    "key: s2\npolicy:\n  type: routed\n  rules:\n    - targets: { type: weighted, partition_by: \"get('$.u', '')\", options: [{ agent_key: v1, weight: 50 }, { agent_key: v2, weight: 50 }] }\n",
  "bad-samples.yaml": "- context: 5\n",
});
const f = (name: string) => join(files, name);

describe("agent-alias diff", () => {
  it("--json follows the documented schema and reports the canary shift", async () => {
    const r = await cli(["diff", OLD, NEW, "--samples", SAMPLES, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = diffReportSchema.parse(JSON.parse(r.stdout));
    expect(report.status).toBe("changed");
    expect(report.transitions).toHaveLength(1);
    const t = report.transitions[0]!;
    expect([t.rule, t.old_rule, t.from, t.to]).toEqual([5, 3, "support-v1", "support-v2"]);
    expect(Math.abs(t.share - 0.15)).toBeLessThanOrEqual(0.005);
    expect(report.rules.map((x) => x.status)).toEqual([
      "unchanged",
      "unchanged",
      "added",
      "added",
      "changed",
    ]);
    expect(report.samples).toEqual([
      { sample: "beta user", from: "support-v1", to: "support-v3", from_rule: 3, to_rule: 3 },
      { sample: "free user u-6", from: "support-v1", to: "support-v2", from_rule: 3, to_rule: 5 },
    ]);
    expect(report.warnings).toEqual([
      { code: "shadowed", rule: 4, message: "rule #4 repeats the match of rule #1 and can never win" },
    ]);
    expect(report.document).toEqual([
      { field: "metadata", old: { team: "cx" }, new: { team: "cx", owner: "ana" } },
    ]);
  });

  it("--format markdown: the pull-request comment, pinned", async () => {
    const r = await cli(["diff", OLD, NEW, "--samples", SAMPLES, "--format", "markdown"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("<!-- agent-alias-review -->");
    expect(r.stdout).toContain("| Rule | Agent | Before | After |\n|---|---|---|---|\n");
    expect(r.stdout).not.toContain("```mermaid");
    await expect(r.stdout).toMatchFileSnapshot("./__snapshots__/diff-support.md");
  });

  it("human output on a terminal", async () => {
    const r = await cli(["diff", OLD, NEW, "--keys", "20000"], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Diff of ${OLD} -> ${NEW}\n`);
    expect(r.stdout).toContain("  #3 → #5        changed   weights: support-v1 95 → 80, support-v2 5 → 20\n");
    expect(r.stdout).toMatch(/ {2}rule #5 {2}support-v1 -> support-v2 {2}1[45]\.\d\d%\n/);
  });

  it("a changed alias key warns non_monotone; --fail-on-warnings exits 1", async () => {
    const r = await cli(["diff", f("a.yaml"), f("b.yaml"), "--keys", "10000", "--json"]);
    expect(r.code).toBe(0);
    const report = diffReportSchema.parse(JSON.parse(r.stdout));
    expect(report.warnings.map((w) => w.code)).toEqual(["non_monotone"]);
    expect(report.keys).toBe(10000);
    const failing = await cli(["diff", f("a.yaml"), f("b.yaml"), "--keys", "1000", "--fail-on-warnings"]);
    expect(failing.code).toBe(1);
    const clean = await cli([
      "diff",
      f("a.yaml"),
      f("a.yaml"),
      "--keys",
      "1000",
      "--fail-on-warnings",
      "--json",
    ]);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout).status).toBe("unchanged");
  });

  it("an invalid policy prints its problems to stderr and exits 2", async () => {
    const r = await cli(["diff", OLD, "examples/policies/broken.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("examples/policies/broken.yaml: 4 problems\n");
    expect(r.stderr).toContain("partition_by is required.");
    expect(r.stderr).toContain("agent-alias diff: examples/policies/broken.yaml: invalid policy\n");
  });

  it("bad arguments are invalid input (exit 2)", async () => {
    expect((await cli(["diff", OLD])).stderr).toBe("agent-alias diff: give two policy files, OLD and NEW\n");
    expect((await cli(["diff", OLD, NEW, "--keys", "0"])).code).toBe(2);
    expect((await cli(["diff", OLD, NEW, "--format", "xml"])).stderr).toContain(
      "--format must be one of human, json, markdown",
    );
    expect((await cli(["diff", OLD, "nope.yaml"])).stderr).toContain("nope.yaml: no such file");
    const samples = await cli(["diff", OLD, NEW, "--samples", f("bad-samples.yaml")]);
    expect(samples.code).toBe(2);
    expect(samples.stderr).toContain("samples[0].context");
  });

  it("--help documents the JSON shape; the usage lists diff and review", async () => {
    const r = await cli(["diff", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("transitions: [{rule, old_rule, from, to, share, keys}]");
    const usage = await cli(["--help"]);
    expect(usage.stdout).toContain("  diff OLD NEW [--samples FILE]");
    expect(usage.stdout).toContain("  review --base REF");
  });

  it("the built bin runs diff (exit code and JSON through a real process)", async () => {
    const r = await spawnCli(["diff", OLD, NEW, "--keys", "1000", "--json"]);
    expect(r.code).toBe(0);
    expect(diffReportSchema.parse(JSON.parse(r.stdout)).keys).toBe(1000);
  });
});
