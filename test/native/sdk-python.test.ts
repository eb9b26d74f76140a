/**
 * The generated Python SDK installs with pip and works: a fresh venv gets sdk/python and the
 * `pulumi` package from PyPI (at the version package.json pins for @pulumi/pulumi), then runs
 * test/native/python/test_alias_mocks.py, which declares an Alias and an AliasPolicy and calls
 * canary_policy under Pulumi's mocks, checking what the engine receives and what comes back.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const run = promisify(execFile);

// The first run downloads pulumi, grpcio and friends (minutes); the pip cache makes reruns fast.
const TIMEOUT = 900_000;
const PIP_CACHE = join(REPO, ".pulumi-home/pip-cache");
const PULUMI_VERSION = (
  JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> }
).dependencies["@pulumi/pulumi"]!;

const work = mkdtempSync(join(tmpdir(), "agent-alias-sdk-python-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = {
  ...process.env,
  PIP_CACHE_DIR: PIP_CACHE,
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  PYTHONDONTWRITEBYTECODE: "1", // leave no __pycache__ in the repository
};

describe("the generated Python SDK", () => {
  it(
    "installs with pip and passes its mock tests",
    async () => {
      mkdirSync(PIP_CACHE, { recursive: true });
      // A copy, because pip builds in the source tree (build/, *.egg-info).
      const src = join(work, "sdk-python");
      cpSync(join(REPO, "sdk/python"), src, { recursive: true });
      const venv = join(work, "venv");
      await run("python3", ["-m", "venv", venv], { env, timeout: TIMEOUT });
      const python = join(venv, "bin/python");
      await run(python, ["-m", "pip", "install", "--quiet", src, `pulumi==${PULUMI_VERSION}`], {
        env,
        timeout: TIMEOUT,
        maxBuffer: 16 * 1024 * 1024,
      });

      const shown = await run(python, ["-m", "pip", "show", "pulumi_agent_alias"], { env });
      expect(shown.stdout).toMatch(/^Name: pulumi[_-]agent[_-]alias$/im);

      const result = await run(python, ["-m", "unittest", "-v", "test_alias_mocks"], {
        cwd: join(REPO, "test/native/python"),
        env,
        timeout: 120_000,
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`python tests failed:\n${err.stderr ?? ""}${err.stdout ?? ""}\n${err.message}`);
      });
      // unittest reports on stderr; a run that found no tests would also exit 0.
      const declared = readFileSync(join(REPO, "test/native/python/test_alias_mocks.py"), "utf8").match(
        /^ {4}def test_/gm,
      )!.length;
      expect(declared).toBeGreaterThanOrEqual(4);
      expect(result.stderr).toMatch(new RegExp(`^Ran ${declared} tests in `, "m"));
      expect(result.stderr).toMatch(/^OK$/m);
    },
    TIMEOUT,
  );
});
