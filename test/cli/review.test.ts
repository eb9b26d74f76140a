/** `agent-alias review --base REF` in a temporary git repository made by the test. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { reviewReportSchema } from "../fixtures/diff/report-schema.js";
import { REPO } from "../helpers/cli.js";

const fixture = (name: string) => readFileSync(join(REPO, "test/fixtures/diff", name), "utf8");

let repo = "";
let base = "";

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: repo, encoding: "utf8" });
}

function write(path: string, text: string) {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
}

async function review(argv: string[], cwd = repo) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["review", ...argv], {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  });
  return { code, stdout, stderr };
}

const SINGLE = (agent: string) =>
  `key: billing\npolicy:\n  type: routed\n  rules:\n    - targets: { type: single, agent_key: ${agent} }\n`;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "agent-alias-review-"));
  git("init", "-q", "-b", "main");
  git("config", "user.name", "Review Test");
  git("config", "user.email", "review@example.invalid");
  git("config", "commit.gpgsign", "false");
  write("policies/support.yaml", fixture("support-old.yaml"));
  write("policies/support.samples.yaml", fixture("support.samples.yaml"));
  write("policies/billing.yaml", SINGLE("billing-v1"));
  write(
    "policies/legacy.json",
    JSON.stringify(
      JSON.parse(
        JSON.stringify({
          key: "legacy",
          policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "old" } }] },
        }),
      ),
    ),
  );
  write("config/app.yaml", "port: 8080\n");
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  base = git("rev-parse", "HEAD").trim();

  // The pull request: a canary shift (committed), a new policy (committed), a deleted one,
  // an unrelated YAML change, and an uncommitted edit of billing.
  git("checkout", "-q", "-b", "feature");
  write("policies/support.yaml", fixture("support-new.yaml"));
  write(
    "policies/new-alias.yaml",
    "key: fresh\npolicy:\n  type: routed\n  rules:\n    - targets: { type: weighted, partition_by: \"get('$.session.key')\", options: [{ agent_key: a, weight: 1 }, { agent_key: b, weight: 3 }] }\n",
  );
  rmSync(join(repo, "policies/legacy.json"));
  write("config/app.yaml", "port: 9090\n");
  git("add", "-A");
  git("commit", "-q", "-m", "change policies");
  // main moves on after the branch point: its changes must not show up in the review.
  git("checkout", "-q", "main");
  write("policies/only-on-main.yaml", SINGLE("main-only"));
  git("add", "-A");
  git("commit", "-q", "-m", "main moves on");
  git("checkout", "-q", "feature");
  write("policies/billing.yaml", SINGLE("billing-v2"));
});

afterAll(() => {
  if (repo !== "") rmSync(repo, { recursive: true, force: true });
});

describe("agent-alias review", () => {
  it("diffs every policy file changed since the merge base, working tree included", async () => {
    const r = await review(["--base", "main", "--keys", "20000", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = reviewReportSchema.parse(JSON.parse(r.stdout));
    expect(report.base).toBe("main");
    expect(report.merge_base).toBe(base);
    expect(report.files.map((f) => [f.path, f.status, f.samples])).toEqual([
      ["policies/billing.yaml", "changed", null],
      ["policies/legacy.json", "removed", null],
      ["policies/new-alias.yaml", "added", null],
      ["policies/support.yaml", "changed", "policies/support.samples.yaml"],
    ]);
    const [billing, legacy, fresh, support] = report.files.map((f) => f.report!);
    expect(billing!.transitions).toEqual([
      { rule: 1, old_rule: 1, from: "billing-v1", to: "billing-v2", share: 1, keys: 20000 },
    ]);
    expect(legacy!.rules.map((x) => x.status)).toEqual(["removed"]);
    expect(fresh!.rules.map((x) => x.status)).toEqual(["added"]);
    expect(fresh!.splits[0]!.after!.map((s) => s.requested)).toEqual([0.25, 0.75]);
    const shift = support!.transitions[0]!;
    expect([shift.from, shift.to]).toEqual(["support-v1", "support-v2"]);
    expect(Math.abs(shift.share - 0.15)).toBeLessThanOrEqual(0.005);
    expect(support!.samples.map((s) => s.sample)).toEqual(["beta user", "free user u-6"]);
  });

  it("--format markdown: one comment with a section per file", async () => {
    const r = await review(["--base", "main", "--keys", "20000", "--format", "markdown"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      "<!-- agent-alias-review -->",
      "## Policy review",
      "",
      `4 policy files changed since \`main\` (merge base \`${base.slice(0, 12)}\`).`,
    ]);
    expect(lines.filter((l) => l.startsWith("### "))).toEqual([
      "### `policies/billing.yaml` (alias `billing`): changed",
      "### `policies/legacy.json` (alias `legacy`): removed",
      "### `policies/new-alias.yaml` (alias `fresh`): added",
      "### `policies/support.yaml` (alias `support`): changed",
    ]);
    expect(r.stdout.match(/^\| Rule \| Agent \| Before \| After \|$/gm)).toHaveLength(2);
  });

  it("PATH arguments limit the review; runs from a subdirectory", async () => {
    const r = await review(
      ["--base", "main", "--keys", "1000", "--json", "support.yaml"],
      join(repo, "policies"),
    );
    expect(r.code).toBe(0);
    expect(reviewReportSchema.parse(JSON.parse(r.stdout)).files.map((f) => f.path)).toEqual([
      "policies/support.yaml",
    ]);
  });

  it("--samples applies one samples file to every policy", async () => {
    const samples = join(repo, "policies/support.samples.yaml");
    const r = await review(["--base", "main", "--keys", "1000", "--json", "--samples", samples]);
    const files = reviewReportSchema.parse(JSON.parse(r.stdout)).files;
    expect(files.filter((f) => f.status !== "removed").every((f) => f.samples === samples)).toBe(true);
    expect(files.find((f) => f.path === "policies/billing.yaml")!.report!.summary.samples).toBe(5);
  });

  it("an invalid new version is reported, printed to stderr, and exits 2", async () => {
    write("policies/broken.yaml", fixture("support-old.yaml").replace("partition_by:", "partiton_by:"));
    try {
      const r = await review(["--base", "main", "--keys", "1000", "--json"]);
      expect(r.code).toBe(2);
      const broken = reviewReportSchema
        .parse(JSON.parse(r.stdout))
        .files.find((f) => f.path === "policies/broken.yaml")!;
      expect(broken.status).toBe("invalid");
      expect(broken.report).toBeNull();
      expect(broken.errors.map((e) => e.message)).toContain("partition_by is required.");
      expect(r.stderr).toContain("policies/broken.yaml: 2 problems");
      const md = await review(["--base", "main", "--keys", "1000", "--format", "markdown"]);
      expect(md.stdout).toContain(
        "### `policies/broken.yaml`: invalid\n\nThe new version is not a valid policy:\n",
      );
    } finally {
      rmSync(join(repo, "policies/broken.yaml"));
    }
  });

  it("--fail-on-warnings exits 1 when a report has warnings", async () => {
    // support.yaml's new version repeats a match (shadowed).
    const r = await review(["--base", "main", "--keys", "1000", "--json", "--fail-on-warnings"]);
    expect(r.code).toBe(1);
  });

  it("nothing changed: says so", async () => {
    const r = await review(["--base", "HEAD", "--format", "markdown", "config"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `<!-- agent-alias-review -->\n## Policy review\n\nNo policy file changed since \`HEAD\` (merge base \`${git("rev-parse", "HEAD").trim().slice(0, 12)}\`).\n`,
    );
  });

  it("a bad ref or a missing --base is invalid input", async () => {
    const bad = await review(["--base", "no-such-branch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^agent-alias review: git merge-base: /);
    const missing = await review([]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("agent-alias review: give --base REF\n");
    expect((await review(["--help"])).stdout).toContain("Usage: agent-alias review --base REF");
  });
});
