/**
 * A project that installs packages as a user does: `npm install` of tarballs (a release's) into
 * a new folder with a package.json of its own, dependencies from the registry (or npm's cache).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Installs `tarballs` into the project folder `dir`; `args` go to `npm install` too. */
export function installTarballs(dir: string, tarballs: string[], args: string[] = []): void {
  writeFileSync(join(dir, "package.json"), '{ "name": "infra", "private": true }\n');
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...args, ...tarballs], {
    cwd: dir,
    stdio: ["ignore", "ignore", "inherit"],
  });
}
