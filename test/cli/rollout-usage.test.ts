/**
 * `agent-alias rollout` and its verbs, before any stack is touched: every flag is checked
 * first (exit 2, the flag named, the command named once), and a stack that cannot be opened
 * is a sentence naming it and what to do (exit 1), not the Automation API's dump.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { pulumiAvailable } from "../helpers/pulumi.js";

const POLICY = "examples/policies/support.yaml";
const NOWHERE = mkdtempSync(join(tmpdir(), "agent-alias-no-project-"));

describe("rollout flags are checked before the stack is opened", () => {
  it.each([
    [
      ["--stack", "s", "--policy", POLICY, "--interval", "5x"],
      "--interval must be a duration like 10s or 500ms; got '5x'",
    ],
    [["status", "--stack", "s", "--every", "0s"], "--every must be a duration like 10s or 500ms; got '0s'"],
    [
      ["dashboard", "--stack", "s", "--every", "soon"],
      "--every must be a duration like 10s or 500ms; got 'soon'",
    ],
    [
      ["pause", "--stack", "s", "--wait", "--timeout", "1w"],
      "--timeout must be a duration like 10s or 500ms; got '1w'",
    ],
    [
      ["dashboard", "--stack", "s", "--port", "99999"],
      "--port must be a port number (0: a free one); got '99999'",
    ],
    [["pause", "--stack", "s", "--policy", POLICY], "pause takes no --policy"],
    [["--stack", "s", "--policy", POLICY, "--port", "8080"], "--port goes with --serve"],
    [
      ["--stack", "s", "--policy", POLICY, "--serve", "--port", "http"],
      "--port must be a port number (0: a free one); got 'http'",
    ],
    [["status"], "status: --stack is required"],
    [["--policy", POLICY], "--stack is required"],
  ])("rollout %j: exit 2", async (args, message) => {
    // The folder has no project: had the stack been opened first, the answer would be exit 1.
    const r = await cli(["rollout", ...args, "--cwd", NOWHERE]);
    expect(r.stderr).toBe(`agent-alias rollout: ${message}\n`);
    expect(r.code).toBe(2);
  });
});

describe("a stack that cannot be opened: exit 1, saying why", () => {
  it.each(["status", "pause", "dashboard"])("rollout %s in a folder with no Pulumi project", async (verb) => {
    const r = await cli(["rollout", verb, "--stack", "s", "--cwd", NOWHERE]);
    expect(r.stderr).toBe(
      `agent-alias rollout ${verb}: no Pulumi project in ${NOWHERE} or above it (no Pulumi.yaml): run it in the project's folder, or give --cwd DIR\n`,
    );
    expect(r.code).toBe(1);
  });

  it("rollout with a policy, in a folder with no Pulumi project", async () => {
    const policy = join(process.cwd(), "examples/policies/support-rollout.yaml");
    const r = await cli(["rollout", "--stack", "s", "--policy", policy, "--cwd", NOWHERE]);
    expect(r.stderr).toContain(`no Pulumi project in ${NOWHERE} or above it`);
    expect(r.code).toBe(1);
  });

  it.skipIf(!pulumiAvailable())(
    "a stack the project does not have: Pulumi's own sentence, nothing else",
    async () => {
      const r = await cli(["rollout", "status", "--stack", "nosuch", "--cwd", "examples/alias-policy"]);
      expect(r.stderr).toBe(
        "agent-alias rollout status: cannot select stack 'nosuch': no stack named 'nosuch' found\n",
      );
      expect(r.code).toBe(1);
    },
  );
});
