/**
 * `npm run release`: builds every release artifact into one folder (default `artifacts/`,
 * emptied first) at package.json's version, then `SHA256SUMS` over all of them. Needs the
 * package built (`npm run build` runs first), Go (quill, scripts/setup-quill.sh), Python 3
 * with venv, and the npm registry and PyPI (runtimes and the Python build frontend, cached in
 * `.cache/release/`). Exits 1 with the reason when a step fails.
 *
 * Usage: node release/main.ts [--out DIR]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  checkSources,
  documents,
  doorArchives,
  goModule,
  npmPackages,
  pythonDists,
  type Release,
} from "./artifacts.ts";
import { CHECKSUMS, checksums } from "./checksums.ts";
import { buildExecutables } from "./executables.ts";
import { EXECUTABLES, TARGETS } from "./targets.ts";

const repo = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { out: { type: "string", default: join(repo, "artifacts") } } });
const out = resolve(values.out);
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;
const started = Date.now();
const log = (line: string) =>
  console.error(`[release ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);

/** The release commit's time (every archive entry carries it); now, outside a git checkout. */
function commitTime(): Date {
  try {
    const seconds = execFileSync("git", ["log", "-1", "--format=%ct"], {
      cwd: repo,
      encoding: "utf8",
    }).trim();
    return new Date(Number(seconds) * 1000);
  } catch {
    return new Date();
  }
}

const work = mkdtempSync(join(tmpdir(), "agent-alias-release-"));
try {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const r: Release = {
    repo,
    out,
    version,
    work,
    cache: join(repo, ".cache/release"),
    time: commitTime(),
    log,
  };
  checkSources(r);
  log(`version ${version} into ${out}`);
  const quill = execFileSync("bash", [join(repo, "scripts/setup-quill.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  const built = await buildExecutables({
    repo,
    work,
    cache: join(r.cache, "runtimes"),
    quill,
    executables: EXECUTABLES,
    targets: TARGETS,
    log,
  });
  await doorArchives(r, built);
  await npmPackages(r, built);
  pythonDists(r);
  goModule(r);
  documents(r);
  writeFileSync(join(out, CHECKSUMS), checksums(out));
  log(`done: ${out}`);
} catch (e) {
  log(`failed: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
