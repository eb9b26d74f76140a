/**
 * The Go SDK as the Go module proxy serves a tagged version: `<module>/@v/list`,
 * `v<version>.info`, `.mod` and `.zip` (the module zip: every file of the module's folder under
 * `<module>@v<version>/`, without nested modules, VCS folders or vendor/), so the folder can be
 * a GOPROXY (`GOPROXY=file://...`) and its zip is what `go` fetches for the tag
 * `sdk/go/v<version>` of the repository.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Zippable, zipSync } from "fflate";

/** The files of a module folder (posix paths relative to it), as the module zip holds them. */
export function moduleFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const stat = statSync(join(dir, path));
    if (stat.isDirectory()) {
      if (name === "vendor" || name.startsWith(".")) continue;
      // A folder with its own go.mod is another module.
      if (statSync(join(dir, path, "go.mod"), { throwIfNoEntry: false })) continue;
      out.push(...moduleFiles(dir, path));
    } else if (stat.isFile()) {
      out.push(path);
    }
  }
  return out;
}

/**
 * Writes the proxy files of `module` at `version` (`v0.2.0`) from `dir` under `out`; returns
 * the folder holding them (`<out>/<module>/@v`). `time` is the version's time (`.info`).
 */
export function writeGoModule(dir: string, module: string, version: string, out: string, time: Date): string {
  const at = join(out, module, "@v");
  mkdirSync(at, { recursive: true });
  const files: Zippable = {};
  for (const path of moduleFiles(dir))
    files[`${module}@${version}/${path}`] = [readFileSync(join(dir, path)), { mtime: time }];
  writeFileSync(join(at, `${version}.zip`), zipSync(files, { level: 9, mtime: time }));
  writeFileSync(join(at, `${version}.mod`), readFileSync(join(dir, "go.mod")));
  writeFileSync(
    join(at, `${version}.info`),
    `${JSON.stringify({ Version: version, Time: time.toISOString() })}\n`,
  );
  writeFileSync(join(at, "list"), `${version}\n`);
  return at;
}
