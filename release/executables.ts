/**
 * Builds the self-contained executables: each entry (built JavaScript, ESM) is bundled by
 * esbuild into one CommonJS file, then embedded in each target's Node.js runtime as a single
 * executable application (`node --build-sea`, run by the host's runtime of the same version,
 * with the target's runtime as `executable`). The package's package.json goes in as the asset
 * `package.json` (the plugin reads its version there), and the files an executable lists
 * (`assets`: the Terraform provider's protocol files) by their paths. Mach-O executables are signed ad hoc
 * with quill (scripts/setup-quill.sh builds it), since macOS runs no unsigned code. The
 * Windows runtime's Authenticode signature no longer matches once the application is in: its
 * certificate table is cleared, so the executable is plainly unsigned. Targets that share a
 * runtime share one executable.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { fetchRuntime, hostRuntime } from "./runtimes.ts";
import { binaryName, type Executable, type RuntimeName, type Target, targetName } from "./targets.ts";

export interface BuildOptions {
  repo: string;
  /** Where bundles, SEA configs and executables go. */
  work: string;
  /** The runtime cache (runtimes.ts). */
  cache: string;
  /** The quill binary that signs Mach-O executables. */
  quill: string;
  executables: readonly Executable[];
  targets: readonly Target[];
  log(line: string): void;
}

export interface BuiltExecutable {
  executable: Executable;
  target: Target;
  /** The executable's path, named as it is installed (`binaryName`). */
  file: string;
}

/**
 * esbuild's warnings that are expected, by file: `import.meta` is empty in CommonJS, and
 * server.js (pluginVersion) and terraform/proto.js (the protocol files) read it only outside a
 * single executable. Any other warning stops
 * the build.
 */
const EXPECTED_WARNINGS = [
  { id: "empty-import-meta", file: "dist/native/server.js" },
  { id: "empty-import-meta", file: "dist/terraform/proto.js" },
];

/** Bundles one entry into `<work>/<name>.cjs`; returns its path. */
export async function bundle(repo: string, work: string, e: Executable): Promise<string> {
  const outfile = join(work, `${e.name}.cjs`);
  const result = await build({
    absWorkingDir: repo,
    entryPoints: [e.entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    outfile,
    keepNames: true,
    legalComments: "none",
    logLevel: "silent",
  });
  const unexpected = result.warnings.filter(
    (w) => !EXPECTED_WARNINGS.some((x) => x.id === w.id && x.file === w.location?.file),
  );
  if (unexpected.length > 0)
    throw new Error(
      `bundling ${e.entry}: ${unexpected.map((w) => `${w.location?.file ?? ""}: ${w.text}`).join("; ")}`,
    );
  return outfile;
}

/**
 * Clears a PE file's certificate table (the security data directory of its PE32+ optional
 * header), leaving an unsigned executable; a PE without one is left as it is.
 */
export function clearCertificateTable(file: string): void {
  const b = readFileSync(file);
  const pe = b.readUInt32LE(0x3c);
  if (b.readUInt32BE(pe) !== 0x50450000 || b.readUInt16LE(pe + 24) !== 0x20b)
    throw new Error(`${file} is not a PE32+ executable`);
  const security = pe + 24 + 112 + 4 * 8;
  if (b.readUInt32LE(security) === 0 && b.readUInt32LE(security + 4) === 0) return;
  b.writeUInt32LE(0, security);
  b.writeUInt32LE(0, security + 4);
  writeFileSync(file, b);
}

export async function buildExecutables(o: BuildOptions): Promise<BuiltExecutable[]> {
  const node = await fetchRuntime(hostRuntime(), o.cache);
  const built: BuiltExecutable[] = [];
  for (const e of o.executables) {
    const main = await bundle(o.repo, o.work, e);
    o.log(`bundled ${e.entry}`);
    const byRuntime = new Map<RuntimeName, string>();
    for (const t of o.targets) {
      const dir = join(o.work, e.name, targetName(t));
      mkdirSync(dir, { recursive: true });
      const file = join(dir, binaryName(e, t));
      const same = byRuntime.get(t.runtime);
      if (same) {
        copyFileSync(same, file);
      } else {
        const config = join(o.work, `${e.name}-${t.runtime}.sea.json`);
        writeFileSync(
          config,
          JSON.stringify({
            // Relative to the work folder (the builder's cwd): the blob records this path.
            main: basename(main),
            executable: await fetchRuntime(t.runtime, o.cache),
            output: file,
            disableExperimentalSEAWarning: true,
            assets: Object.fromEntries(
              ["package.json", ...(e.assets ?? [])].map((a) => [a, join(o.repo, a)]),
            ),
          }),
        );
        execFileSync(node, ["--build-sea", config], { cwd: o.work, stdio: ["ignore", "ignore", "inherit"] });
        if (t.format === "pe") clearCertificateTable(file);
        if (t.format === "macho")
          execFileSync(o.quill, ["sign", "--ad-hoc", "--identity", e.name, "--quiet", file], {
            cwd: o.work,
            stdio: ["ignore", "ignore", "inherit"],
          });
        byRuntime.set(t.runtime, file);
      }
      o.log(`built ${e.name} for ${targetName(t)}${t.note ? ` (${t.note})` : ""}`);
      built.push({ executable: e, target: t, file });
    }
  }
  return built;
}
