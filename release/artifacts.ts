/**
 * The release's artifacts, each written into the release folder by one function:
 * - `pulumi-resource-agent-alias-v<version>-<os>-<arch>.tar.gz`: the plugin executable at the
 *   archive's root, as `pulumi plugin install` and the engine's download (the schema's
 *   `pluginDownloadURL`) read it; these are the GitHub release's files.
 * - `terraform-provider-agentalias_<version>_<os>_<arch>.zip` (the executable named
 *   `terraform-provider-agentalias_v<version>` inside), `terraform-provider-agentalias_<version>_SHA256SUMS`
 *   over the zips and the manifest, and the manifest
 *   `terraform-provider-agentalias_<version>_manifest.json` (the protocol versions), as a
 *   provider registry and a packed filesystem mirror read them.
 * - `npm/`: the package's tarball, with an optional dependency on each platform package, and
 *   the platform packages `pulumi-agent-alias-<platform>-<cpu>` holding both executables.
 * - `python/`: the SDK's wheel and sdist, built from a copy of sdk/python (the source tree is
 *   left as it is).
 * - `go/`: the Go SDK as the module proxy serves its tag (go-module.ts).
 * - `schema.json` and `CHANGELOG.md`.
 * Versions come from package.json; the checked-in SDKs and schema must be of that version.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { zipSync } from "fflate";
import { create } from "tar";
import { platformPackage } from "../dist/cli/plugin.js";
import { GO_MODULE, PLUGIN_DOWNLOAD_URL } from "../dist/native/schema.js";
import { sha256 } from "./checksums.ts";
import type { BuiltExecutable } from "./executables.ts";
import { writeGoModule } from "./go-module.ts";
import type { Door } from "./targets.ts";

export interface Release {
  repo: string;
  /** The release folder. */
  out: string;
  version: string;
  /** A scratch folder. */
  work: string;
  /** The cache of downloads and tools (runtimes, the Python build venv). */
  cache: string;
  /** The time every archive entry carries (the release commit's). */
  time: Date;
  log(line: string): void;
}

/** The `build` frontend that makes the Python wheel and sdist. */
const PYTHON_BUILD = "build==1.6.1";

/** A plugin archive's name, as the engine asks for it. */
export const pluginArchive = (name: string, version: string, os: string, arch: string): string =>
  `${name}-v${version}-${os}-${arch}.tar.gz`;

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;

/** Stops the release when something checked in is not of this version. */
export function checkSources(r: Release): void {
  const stale: string[] = [];
  const schema = readJson(join(r.repo, "schema.json"));
  if (schema.version !== r.version || schema.pluginDownloadURL !== PLUGIN_DOWNLOAD_URL)
    stale.push("schema.json");
  for (const file of [
    "sdk/python/pulumi_agent_alias/pulumi-plugin.json",
    "sdk/go/agentalias/pulumi-plugin.json",
  ])
    if (readJson(join(r.repo, file)).version !== r.version) stale.push(file);
  if (stale.length > 0) throw new Error(`${stale.join(", ")}: not version ${r.version}; run \`npm run sdk\``);
  if (!readFileSync(join(r.repo, "CHANGELOG.md"), "utf8").includes(`\n## [${r.version}]`))
    throw new Error(`CHANGELOG.md has no section "## [${r.version}]"`);
}

/** How each door's executables are packed for its ecosystem. */
const PACKERS: Record<Door, (r: Release, built: BuiltExecutable[]) => Promise<void>> = {
  pulumi: pluginArchives,
  terraform: terraformZips,
};

/** A Terraform provider release's file names (the registry's and a packed mirror's). */
export const terraformFiles = (name: string, version: string) => ({
  zip: (os: string, arch: string) => `${name}_${version}_${os}_${arch}.zip`,
  /** The executable inside a zip (`.exe` added on Windows). */
  binary: `${name}_v${version}`,
  sums: `${name}_${version}_SHA256SUMS`,
  manifest: `${name}_${version}_manifest.json`,
});

/** The protocol versions the provider speaks, as the registry manifest lists them. */
export const TERRAFORM_MANIFEST = { version: 1, metadata: { protocol_versions: ["6.0"] } };

/** A zip entry's attributes: made on Unix, a regular file of mode 755 (the hosts keep it executable). */
const EXECUTABLE_ENTRY = { os: 3, attrs: (0o100755 << 16) >>> 0 };

async function terraformZips(r: Release, built: BuiltExecutable[]): Promise<void> {
  const names = new Set(built.map((b) => b.executable.name));
  for (const name of names) {
    const f = terraformFiles(name, r.version);
    const written: string[] = [];
    for (const b of built.filter((x) => x.executable.name === name)) {
      const zip = f.zip(b.target.os, b.target.arch);
      const inner = b.target.os === "windows" ? `${f.binary}.exe` : f.binary;
      const data = zipSync({ [inner]: [readFileSync(b.file), { ...EXECUTABLE_ENTRY, mtime: r.time }] });
      writeFileSync(join(r.out, zip), data);
      written.push(zip);
      r.log(`wrote ${zip}`);
    }
    writeFileSync(join(r.out, f.manifest), `${JSON.stringify(TERRAFORM_MANIFEST, null, 2)}\n`);
    written.push(f.manifest);
    writeFileSync(
      join(r.out, f.sums),
      written
        .sort()
        .map((file) => `${sha256(join(r.out, file))}  ${file}\n`)
        .join(""),
    );
    r.log(`wrote ${f.sums} and ${f.manifest}`);
  }
}

/** Every door's archives. */
export async function doorArchives(r: Release, built: BuiltExecutable[]): Promise<void> {
  for (const door of Object.keys(PACKERS) as Door[])
    await PACKERS[door](
      r,
      built.filter((b) => b.executable.door === door),
    );
}

async function pluginArchives(r: Release, built: BuiltExecutable[]): Promise<void> {
  for (const b of built) {
    const file = join(r.out, pluginArchive(b.executable.name, r.version, b.target.os, b.target.arch));
    chmodSync(b.file, 0o755);
    await create({ file, gzip: true, cwd: dirname(b.file), portable: true, mtime: r.time }, [
      basename(b.file),
    ]);
    r.log(`wrote ${basename(file)}`);
  }
}

/** `npm pack` of a folder into `<out>/npm`; returns the tarball's name. */
function npmPack(r: Release, dir: string): string {
  const dest = join(r.out, "npm");
  mkdirSync(dest, { recursive: true });
  const out = execFileSync("npm", ["pack", dir, "--json", "--pack-destination", dest], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const name = (JSON.parse(out) as { filename: string }[])[0]!.filename;
  r.log(`wrote npm/${name}`);
  return name;
}

/** The package's tarball, and one platform package per target holding its plugin executable. */
/**
 * A platform package's tarball, as `npm pack` lays one out (`package/` and the files, modes
 * kept) but gzipped at zlib's default level: `npm pack` takes level 9, which costs minutes
 * on a 150 MB executable for a few percent.
 */
async function platformTarball(r: Release, stage: string, name: string, files: string[]): Promise<void> {
  const dest = join(r.out, "npm");
  mkdirSync(dest, { recursive: true });
  const file = `${name}-${r.version}.tgz`;
  await create(
    { file: join(dest, file), gzip: true, cwd: stage, prefix: "package", portable: true, mtime: r.time },
    files,
  );
  r.log(`wrote npm/${file}`);
}

export async function npmPackages(r: Release, built: BuiltExecutable[]): Promise<void> {
  const pkg = readJson(join(r.repo, "package.json"));
  const optional: Record<string, string> = {};
  const targets = [...new Set(built.map((b) => b.target))];
  for (const target of targets) {
    const name = platformPackage(target.platform, target.cpu);
    optional[name] = r.version;
    const stage = join(r.work, "npm", name);
    mkdirSync(stage, { recursive: true });
    const files = built.filter((b) => b.target === target).map((b) => basename(b.file));
    for (const b of built.filter((x) => x.target === target))
      copyFileSync(b.file, join(stage, basename(b.file)));
    const what = `The agent-alias provider executables (Node.js embedded) for ${target.platform} ${target.cpu}: ${files.join(", ")}`;
    writeFileSync(
      join(stage, "package.json"),
      `${JSON.stringify(
        {
          name,
          version: r.version,
          description: `${what}${target.note ? `: ${target.note}` : ""}. Installed with pulumi-agent-alias.`,
          license: pkg.license,
          repository: pkg.repository,
          os: [target.platform],
          cpu: [target.cpu],
          files,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(
      join(stage, "README.md"),
      `# ${name}\n\n${what}.\n\n\`npx agent-alias plugin install\` (from pulumi-agent-alias) copies the Pulumi plugin into $PULUMI_HOME/plugins; \`npx agent-alias plugin install --terraform\` the Terraform/OpenTofu provider into a filesystem mirror.\n`,
    );
    await platformTarball(r, stage, name, ["package.json", "README.md", ...files]);
  }
  const stage = join(r.work, "npm", String(pkg.name));
  mkdirSync(stage, { recursive: true });
  for (const entry of [...(pkg.files as string[]), "LICENSE"])
    if (existsSync(join(r.repo, entry))) cpSync(join(r.repo, entry), join(stage, entry), { recursive: true });
  writeFileSync(
    join(stage, "package.json"),
    `${JSON.stringify({ ...pkg, optionalDependencies: optional }, null, 2)}\n`,
  );
  npmPack(r, stage);
}

/** The Python SDK's wheel and sdist, built from a copy of sdk/python by `python -m build`. */
export function pythonDists(r: Release): void {
  const venv = join(r.cache, "python-build");
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) {
    execFileSync("python3", ["-m", "venv", venv], { stdio: "inherit" });
    execFileSync(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", PYTHON_BUILD], {
      stdio: "inherit",
    });
  }
  const src = join(r.work, "python-sdk");
  cpSync(join(r.repo, "sdk/python"), src, { recursive: true });
  execFileSync(python, ["-m", "build", "--sdist", "--wheel", "--outdir", join(r.out, "python"), src], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, SOURCE_DATE_EPOCH: String(Math.floor(r.time.getTime() / 1000)) },
  });
  r.log("wrote python/ (wheel and sdist)");
}

/** The Go SDK as the module proxy serves the tag `sdk/go/v<version>`. */
export function goModule(r: Release): void {
  writeGoModule(join(r.repo, "sdk/go"), GO_MODULE, `v${r.version}`, join(r.out, "go"), r.time);
  r.log(`wrote go/${GO_MODULE}/@v/v${r.version}.{info,mod,zip}`);
}

/** schema.json and CHANGELOG.md, as they are in the repository. */
export function documents(r: Release): void {
  for (const file of ["schema.json", "CHANGELOG.md"]) copyFileSync(join(r.repo, file), join(r.out, file));
}
