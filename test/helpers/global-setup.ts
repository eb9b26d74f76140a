/**
 * Once per test run: a folder of the run's own for what test files share across workers (the
 * release build, test/helpers/release.ts), removed when the run ends (a build still running
 * then is stopped).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { stopReleaseBuild } from "./release-build.js";

export default function setup(project: TestProject): () => void {
  const run = mkdtempSync(join(tmpdir(), "agent-alias-test-run-"));
  project.provide("releaseRun", run);
  return () => {
    stopReleaseBuild(run);
    rmSync(run, { recursive: true, force: true });
  };
}
