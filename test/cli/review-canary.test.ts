import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";

// A canary stage change is the one-line pull request this tool exists for: review must read
// `canary:` documents like `policy:` ones.
let repo = "";
const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};
const canaryFile = (stage: string) =>
  `key: chat\nname: Chat\ncanary:\n  from: chat-v1\n  to: chat-v2\n  partition_by: "get('$.session.key')"\n  current: ${stage}\n`;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), "agent-alias-review-canary-"));
  git("init", "-q", "-b", "main");
  git("config", "user.name", "Review Test");
  git("config", "user.email", "review@example.invalid");
  git("config", "commit.gpgsign", "false");
  write("policies/chat.yaml", canaryFile("canary-5"));
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("checkout", "-q", "-b", "next-stage");
  write("policies/chat.yaml", canaryFile("canary-20"));
  git("commit", "-q", "-am", "chat: canary-20");
});
afterAll(() => {
  if (repo !== "") rmSync(repo, { recursive: true, force: true });
});

async function review(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["review", ...argv], {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: repo,
  });
  return { code, stdout, stderr };
}

describe("agent-alias review of canary stage files", () => {
  it("a one-line stage change shows who moves: 15% from the old agent to the new, none back", async () => {
    const r = await review(["--base", "main", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout).files;
    expect(files.map((f: { path: string; status: string }) => [f.path, f.status])).toEqual([
      ["policies/chat.yaml", "changed"],
    ]);
    const transitions = files[0].report.transitions;
    expect(transitions).toHaveLength(1);
    expect(transitions[0]).toMatchObject({ from: "chat-v1", to: "chat-v2" });
    expect(Math.abs(transitions[0].share - 0.15)).toBeLessThan(0.005);
  });

  it("an unknown stage is reported with the canary field's path, exit 2", async () => {
    write("policies/chat.yaml", canaryFile("canary-99"));
    const r = await review(["--base", "main", "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("canary.current: unknown stage 'canary-99'");
  });
});
