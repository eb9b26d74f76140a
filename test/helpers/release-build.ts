/**
 * The shared release build's process side (no vitest import: the sequencer and the global
 * setup run it in vitest's main process): where a run's build lives, starting it once, and
 * stopping it when the run ends. test/helpers/release.ts waits for it in test files.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Test files under this folder use the release build (the sequencer starts it for them). */
export const RELEASE_TESTS = "/test/release/";

export const releasePaths = (run: string) => ({
  dir: join(run, "artifacts"),
  status: join(run, "status"),
  log: join(run, "release.log"),
  pid: join(run, "pid"),
});

/**
 * Starts the build into the run's folder unless it was started already (by any process);
 * returns at once. Its pid goes to `<run>/pid`, its exit status to `<run>/status`.
 */
export function startReleaseBuild(run: string): void {
  const p = releasePaths(run);
  try {
    mkdirSync(join(run, "building"));
  } catch (e) {
    if ((e as { code?: string }).code === "EEXIST") return;
    throw e;
  }
  const out = openSync(p.log, "w");
  const child = spawn(process.execPath, [join(REPO, "release/main.ts"), "--out", p.dir], {
    cwd: REPO,
    stdio: ["ignore", out, out],
  });
  writeFileSync(p.pid, String(child.pid));
  child.on("exit", (code, signal) => {
    closeSync(out);
    writeFileSync(p.status, String(code ?? signal));
  });
}

/** Stops a build still running when the run ends (the run's folder is then removed). */
export function stopReleaseBuild(run: string): void {
  const p = releasePaths(run);
  if (!existsSync(p.pid) || existsSync(p.status)) return;
  try {
    process.kill(Number(readFileSync(p.pid, "utf8")), "SIGTERM");
  } catch {
    // already gone
  }
}
