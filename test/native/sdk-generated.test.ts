/**
 * sdk/python and sdk/go are generated from schema.json (scripts/gen-sdk.sh, which runs
 * tools/sdkgen: Pulumi's Python and Go generators) and checked in. This regenerates them
 * into a temporary folder and fails on any file that differs, is missing or is extra, so a
 * schema change without `npm run sdk`, or a hand edit of a generated file, cannot land.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const run = promisify(execFile);

// The first run builds tools/sdkgen (minutes on a cold Go build cache); later runs take seconds.
const TIMEOUT = 900_000;

/** What Python tooling leaves in a source tree (the generated .gitignore's list): not SDK files. */
const LOCAL = /(^|\/)(__pycache__|build|dist|\.mypy_cache|[^/]*\.egg-info)(\/|$)|\.pyc$/;

/** Every file under dir, as paths relative to it. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path);
      if (LOCAL.test(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else out.set(rel, readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

/** The files that differ between the two trees, each with what is wrong with it. */
function differences(checkedIn: string, generated: string): string[] {
  const want = files(generated);
  const have = files(checkedIn);
  const out: string[] = [];
  for (const [name, text] of want) {
    const mine = have.get(name);
    if (mine === undefined) out.push(`${name}: missing`);
    else if (!mine.equals(text)) out.push(`${name}: differs`);
  }
  for (const name of have.keys()) if (!want.has(name)) out.push(`${name}: not generated`);
  return out.sort();
}

const work = mkdtempSync(join(tmpdir(), "agent-alias-sdkgen-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the checked-in SDKs", () => {
  it(
    "are what scripts/gen-sdk.sh makes of schema.json",
    async () => {
      await run("bash", [join(REPO, "scripts/gen-sdk.sh"), "--out", work], {
        cwd: REPO,
        timeout: TIMEOUT,
        maxBuffer: 16 * 1024 * 1024,
      });
      const found: Record<string, string[]> = {};
      for (const lang of ["python", "go"]) {
        expect(files(join(work, lang)).size, `${lang}: nothing generated`).toBeGreaterThan(5);
        found[lang] = differences(join(REPO, "sdk", lang), join(work, lang));
      }
      expect(found, "the SDKs in sdk/ are stale: run `npm run sdk`").toEqual({ python: [], go: [] });
    },
    TIMEOUT,
  );
});
