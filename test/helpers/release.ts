/**
 * The release (`node release/main.ts`) built once per test run and shared by every test file
 * that needs it, in the run's folder (test/helpers/global-setup.ts makes it and removes it
 * after the run). The sequencer (test/helpers/sequencer.ts) starts the build as the run
 * starts when test/release/ files are in it, and runs those files last, so the build goes on
 * beside the other tests; `releaseBuild` waits for it (or starts it, alone). A failed build
 * fails each caller with the end of its log.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import { REPO } from "./cli.js";
import { releasePaths, startReleaseBuild } from "./release-build.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A folder of this run's own: the shared release build lives there. */
    releaseRun: string;
  }
}

/** How long a caller waits for the build (it takes minutes on two busy cores). */
export const RELEASE_TIMEOUT = 25 * 60_000;

export interface ReleaseBuild {
  /** The release folder. */
  dir: string;
  version: string;
  /** A file of the release, by its path in the folder. */
  file(path: string): string;
}

/** The release of this run: started here if nobody started it, then waited for. */
export async function releaseBuild(): Promise<ReleaseBuild> {
  const run = inject("releaseRun");
  const p = releasePaths(run);
  startReleaseBuild(run);
  const deadline = Date.now() + RELEASE_TIMEOUT;
  while (!existsSync(p.status)) {
    if (Date.now() > deadline) throw new Error(`the release build did not end in time; see ${p.log}`);
    await sleep(2000);
  }
  const code = readFileSync(p.status, "utf8");
  if (code !== "0")
    throw new Error(`the release build failed (${code}):\n${readFileSync(p.log, "utf8").slice(-4000)}`);
  const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  return { dir: p.dir, version, file: (path) => join(p.dir, path) };
}
