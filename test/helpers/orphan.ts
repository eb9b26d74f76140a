/**
 * The "no orphans" check of a provider launcher: `sh` (standing in for the host) starts
 * `command` in the background, waits until it has printed its first line (it is up), and
 * exits without stopping it. The provider is re-parented and must exit by itself.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";

/** Runs `command` orphaned as above (its stdout in `dir`); resolves once it is gone, failing after 15 s. */
export async function expectExitsWhenHostDies(
  command: string,
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
) {
  const lineFile = join(dir, `orphan-${process.pid}-${Date.now()}`);
  const script = `${command} >"${lineFile}" 2>/dev/null & echo $!; while [ ! -s "${lineFile}" ]; do sleep 0.1; done`;
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 30_000, env });
  const pid = Number(r.stdout.trim());
  expect(pid).toBeGreaterThan(0);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 15_000;
  while (alive() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
  expect(alive()).toBe(false);
}
