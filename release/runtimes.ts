/**
 * The Node.js runtimes embedded in the executables, taken from the npm registry with npm's own
 * client (`npm pack`, which checks the registry's integrity) and checked again against the
 * integrity pinned in targets.ts, so a registry that serves other bytes stops the release.
 * Kept in a cache folder: `<cache>/<package>-<version>/<binary>`, written beside and renamed.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { extract } from "tar";
import { NODE_VERSION, RUNTIMES, type RuntimeName } from "./targets.ts";

/** The path of a runtime's `node` binary, fetched into `cache` when it is not there yet. */
export async function fetchRuntime(name: RuntimeName, cache: string): Promise<string> {
  const runtime = RUNTIMES[name];
  const dir = join(cache, `${runtime.package}-${NODE_VERSION}`);
  const binary = join(dir, runtime.binary);
  if (existsSync(binary)) return binary;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, ".fetch-"));
  try {
    const spec = `${runtime.package}@${NODE_VERSION}`;
    const out = execFileSync("npm", ["pack", spec, "--json", "--pack-destination", work], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [packed] = JSON.parse(out) as { filename: string }[];
    if (!packed) throw new Error(`npm pack ${spec} named no tarball`);
    const tarball = join(work, packed.filename);
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    if (integrity !== runtime.integrity)
      throw new Error(`${spec}: the registry's tarball is ${integrity}, not the pinned ${runtime.integrity}`);
    const unpacked = join(work, "unpacked");
    mkdirSync(unpacked);
    await extract({ file: tarball, cwd: unpacked, strip: 1 });
    if (!existsSync(join(unpacked, runtime.binary))) throw new Error(`${spec} holds no ${runtime.binary}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(unpacked, dir);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The runtime that runs on this machine (it builds every executable: `--build-sea`). */
export function hostRuntime(): RuntimeName {
  const name = `${process.platform === "win32" ? "win" : process.platform}-${process.arch}`;
  if (!(name in RUNTIMES))
    throw new Error(
      `no Node.js ${NODE_VERSION} runtime for this machine (${name}) among ${Object.keys(RUNTIMES).join(", ")}: ` +
        "build the release on one of those",
    );
  return name as RuntimeName;
}
