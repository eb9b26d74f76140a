/**
 * The CLI contract's exit codes (CLI.md: 0 success, 1 a routing or check failure, 2 invalid
 * input) where they had gaps: `validate --api URL`, conflicting output flags, the traffic
 * generator's bad flags and its runs where nothing was answered, a data file on a file
 * system that takes no new files, and a hold of zero.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { runEmulatorCommand } from "../../src/emulator/index.js";
import { REPO, tempFiles } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({ apiKey: "exit-key" });
  for (const key of ["support-v1", "support-v2"]) await e.call("POST", "/v2/agents", { key, name: key });
  await e.call("POST", "/v2/agent_aliases", {
    key: "exits",
    name: "Exits",
    policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "support-v1" } }] },
  });
});
afterAll(() => e.close());

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: REPO,
    env,
  });
  return { code, stdout, stderr };
}

const policyFile = (agents: string[]) =>
  join(
    tempFiles({
      "p.yaml": `key: exits\nname: Exits\npolicy:\n  type: routed\n  rules:\n    - targets:\n        type: weighted\n        partition_by: "get('$.session.key')"\n        options:\n${agents.map((a) => `          - { agent_key: ${a}, weight: 1 }`).join("\n")}\n`,
    }),
    "p.yaml",
  );

describe("validate --api URL", () => {
  it("0 when every agent the policy names exists", async () => {
    const r = await cli(["validate", policyFile(["support-v1", "support-v2"]), "--api", e.url, "--json"], {
      VECTARA_API_KEY: "exit-key",
    });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, errors: [] });
  });

  it("2, with the API's message at `policy`, when an agent does not exist", async () => {
    const r = await cli(
      ["validate", policyFile(["support-v1", "ghost", "phantom"]), "--api", e.url, "--json"],
      {
        VECTARA_API_KEY: "exit-key",
      },
    );
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      valid: false,
      errors: [{ path: "policy", message: "Alias references unknown agent(s): [ghost, phantom]" }],
    });
  });

  it("1 when the API cannot tell (a refused key), saying why on stderr", async () => {
    const r = await cli(["validate", policyFile(["support-v1"]), "--api", e.url], {
      VECTARA_API_KEY: "wrong",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not check its agents");
    expect(r.stderr).toContain("401");
  });

  it("2 for a URL the client cannot call; an invalid policy is 2 without asking the API", async () => {
    expect((await cli(["validate", policyFile(["a"]), "--api", "ftp://x"])).code).toBe(2);
    const broken = join(tempFiles({ "b.yaml": "policy: { type: routed, rules: [] }\n" }), "b.yaml");
    expect((await cli(["validate", broken, "--api", "http://127.0.0.1:9"])).code).toBe(2);
  });
});

describe("output flags that disagree", () => {
  it("--json with --format markdown (or another format) is refused, exit 2", async () => {
    const file = join(REPO, "examples/policies/support.yaml");
    const r = await cli(["validate", file, "--json", "--format", "markdown"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--format must be one of human, json; got 'markdown'");
    const d = await cli(["diff", file, file, "--json", "--format", "markdown"]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain("--json and --format markdown ask for two formats");
    expect((await cli(["validate", file, "--json", "--format", "json"])).code).toBe(0);
  });
});

describe("emulator traffic", () => {
  async function traffic(argv: string[]) {
    let out = "";
    let err = "";
    const code = await runEmulatorCommand(["traffic", ...argv], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
    });
    return { code, out, err };
  }

  /** A short run through the alias `exits` of the test's emulator; `over` replaces flags. */
  const run = (over: Record<string, string>, ...extra: string[]) => {
    const flags: Record<string, string> = {
      "--url": e.url,
      "--api-key": "exit-key",
      "--alias": "exits",
      "--rate": "100",
      "--count": "2",
      ...over,
    };
    return traffic([...Object.entries(flags).flat(), "--no-trace-summary", ...extra]);
  };

  it("a URL that is not http(s), or an alias that is not a key: bad input, exit 2", async () => {
    const url = await run({ "--url": "ftp://x" });
    expect(url.code).toBe(2);
    expect(url.err).toContain("url must be an http(s) URL");
    const alias = await run({ "--alias": "../x" });
    expect(alias.code).toBe(2);
    expect(alias.err).toContain(
      "alias must be 1 to 50 characters of letters, digits, '_' or '-'; got '../x'",
    );
  });

  it("every input failed: exit 1 (sessions created, nothing answered)", async () => {
    // Inputs refused with a Retry-After longer than the client waits: each fails at once.
    await e.call("PUT", "/_emulator/faults", { rate: 1, retry_after: 3600, operations: ["events.create"] });
    try {
      const r = await run({ "--count": "3" }, "--json");
      expect(JSON.parse(r.out)).toMatchObject({ sessions: 3, inputs: 0 });
      expect(r.code).toBe(1);
      expect(r.err).toContain("no input was answered");
    } finally {
      await e.call("PUT", "/_emulator/faults", {});
    }
    expect((await run({})).code).toBe(0);
  });
});

describe("emulator --data on a file system that takes no new files", () => {
  it("/proc/version: exit 2 saying the folder is there but takes no file", async () => {
    let err = "";
    const code = await runEmulatorCommand(["--port", "0", "--data", "/proc/version"], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s) },
      inProcess: true,
    });
    expect(code).toBe(2);
    expect(err).not.toContain("does not exist");
    expect(err).toContain(
      "--data /proc/version: the folder /proc exists but /proc/version.lock cannot be created in it",
    );
  });
});

describe("a hold of zero", () => {
  it("hold: 0s is refused like hold: 0 (exit 2), naming the field", async () => {
    const canary = (hold: string) =>
      join(
        tempFiles({
          "c.yaml": `key: exits\nname: Exits\ncanary:\n  from: support-v1\n  to: support-v2\n  partition_by: "get('$.session.key')"\n  current: canary-5\n  hold: ${hold}\n`,
        }),
        "c.yaml",
      );
    for (const hold of ["0", "0s", "0m"]) {
      const r = await cli(["validate", canary(hold), "--json"]);
      expect(r.code, hold).toBe(2);
      expect(JSON.parse(r.stdout).errors[0].path).toBe("canary.hold");
    }
    expect((await cli(["validate", canary("1s"), "--json"])).code).toBe(0);
  });
});
