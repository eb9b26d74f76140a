/**
 * The generated Go SDK compiles and works: test/native/go-program (its go.mod replaces the
 * SDK's module with ../../../sdk/go) is built with `go build`, and its `go test` runs the
 * program's resources and the canaryPolicy function under pulumi.WithMocks, checking what the
 * engine receives and what comes back. Needs Go (scripts/setup-pulumi.sh needs it too) and the Go module
 * proxy only for modules not in the cache yet.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const run = promisify(execFile);

// A cold build of the Pulumi Go SDK takes minutes; with the build cache, seconds.
const TIMEOUT = 900_000;
const PROGRAM = join(REPO, "test/native/go-program");

/** The Go the setup script would use: $GO, then PATH, then /usr/local/go/bin/go. */
function goBinary(): string {
  if (process.env["GO"]) return process.env["GO"];
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    if (dir && existsSync(join(dir, "go"))) return join(dir, "go");
  }
  return "/usr/local/go/bin/go";
}

const GO = goBinary();
const env = {
  ...process.env,
  GOTOOLCHAIN: "local", // never download another toolchain
  CGO_ENABLED: "0",
  GOFLAGS: "-mod=mod",
};

const work = mkdtempSync(join(tmpdir(), "agent-alias-sdk-go-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function go(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(GO, args, { cwd: PROGRAM, env, timeout: TIMEOUT, maxBuffer: 16 * 1024 * 1024 }).catch(
    (err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`go ${args.join(" ")} failed:\n${err.stderr ?? ""}${err.stdout ?? ""}\n${err.message}`);
    },
  );
}

describe("the generated Go SDK", () => {
  it(
    "builds a program that declares an Alias and an AliasPolicy",
    async () => {
      const binary = join(work, "go-program");
      await go(["build", "-o", binary, "."]);
      expect(existsSync(binary)).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "passes the program's mock tests",
    async () => {
      const { stdout } = await go(["test", "-count=1", "-v", "."]);
      expect(stdout).toMatch(/^--- PASS: TestProgramUnderMocks /m);
      expect(stdout).toMatch(/^--- PASS: TestCanaryPolicyInvoke /m);
      expect(stdout).not.toMatch(/^--- (FAIL|SKIP)/m);
    },
    TIMEOUT,
  );
});
