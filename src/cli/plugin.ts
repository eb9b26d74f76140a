/**
 * `agent-alias plugin install`: installs the native provider plugin for the Pulumi CLI, as
 * `pulumi plugin install` would: a folder `$PULUMI_HOME/plugins/resource-agent-alias-v<version>/`
 * (PULUMI_HOME defaults to ~/.pulumi) holding a copy of the self-contained executable
 * `pulumi-resource-agent-alias` (Node.js embedded, nothing of this package needed at run time).
 * The executable comes from the platform package npm installs beside this one
 * (`platformPackage`, an optional dependency for each platform a release serves), at this
 * package's version. `pulumi plugin ls` then lists it, and any program (YAML, Python, Go, ...)
 * uses it, after this package or the project it came from is gone.
 *
 * With `--terraform`, the Terraform/OpenTofu provider instead, in a filesystem mirror's
 * unpacked layout (`<mirror>/<host>/agent-alias/agentalias/<version>/<os>_<arch>/`) for both
 * registries' host names, so `source = "agent-alias/agentalias"` resolves in either tool: a
 * copy of the self-contained `terraform-provider-agentalias` from the same platform package;
 * where none is installed (a clone of the repository, a platform no release serves), a script
 * that runs this package's launcher (bin/terraform-provider-agentalias) on Node.js, and the
 * output says so. The default mirror, ~/.terraform.d/plugins, is one both tools search
 * without any setting.
 *
 * Each folder is written in a temporary place and renamed into place, so a half-written
 * plugin never shows.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { outputFormat, parseFlags, usageError, writeHelp } from "./args.js";
import { type CliIO, EXIT, writeJson } from "./io.js";

/** The plugin's executable (without `.exe`). */
export const PLUGIN_EXECUTABLE = "pulumi-resource-agent-alias";

/** The Terraform/OpenTofu provider's executable (without `.exe`), in the same platform package. */
export const TERRAFORM_EXECUTABLE = "terraform-provider-agentalias";

/** The npm package that carries the plugin executable of a platform (npm's os and cpu names). */
export const platformPackage = (platform: string, cpu: string): string =>
  `pulumi-agent-alias-${platform}-${cpu}`;

export const PLUGIN_HELP = `Usage: agent-alias plugin install [--pulumi-home DIR] [--force] [--format human|json] [--json]
       agent-alias plugin install --terraform [--mirror DIR] [--force] [--format human|json] [--json]

Installs the native Pulumi provider plugin 'agent-alias' of this package into
$PULUMI_HOME/plugins/resource-agent-alias-v<version>/ (PULUMI_HOME defaults to ~/.pulumi), so
'pulumi plugin ls' shows it and Pulumi programs in any language use it. The plugin is a copy of
the self-contained executable of this platform (from the package ${platformPackage("<os>", "<cpu>")},
which npm installs with this one): it needs no Node.js and outlives this package.
--pulumi-home DIR   another Pulumi home than $PULUMI_HOME or ~/.pulumi
--force             replace an installed plugin of the same version
--terraform         install the Terraform/OpenTofu provider 'agent-alias/agentalias' into a
                    filesystem mirror instead (see docs/terraform.md): a copy of this
                    platform's self-contained executable; without one, a script that runs this
                    package's launcher on Node.js (keep the package installed then)
--mirror DIR        the mirror folder (default ~/.terraform.d/plugins, which terraform and
                    tofu search by themselves)
Prints the plugin's folder (with --terraform, the mirror's folders): a line for people
(--format human, the default, on a terminal or not), or with --json (--format json)
{"dir", "installed"} ({"dirs", "installed", "form": "executable" or "launcher"} with
--terraform). Exit 0; 1 when this platform's executable is not installed (Pulumi); 2 for
bad arguments.`;

const FLAGS = {
  "pulumi-home": { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  format: { type: "string" },
  terraform: { type: "boolean" },
  mirror: { type: "string" },
} as const;

const require = createRequire(import.meta.url);

/** The package's root (holding package.json and bin/). */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** This package's version. */
const packageVersion = (): string => (require("../../package.json") as { version: string }).version;

/** Why the plugin cannot be installed (no executable for this platform), as data. */
export class PluginMissingError extends Error {
  override readonly name = "PluginMissingError";
  readonly code = "plugin_missing" as const;
}

/** A self-contained executable (`name`) of this platform, from its platform package at `version`. */
export function platformExecutable(
  version: string,
  platform: string = process.platform,
  cpu: string = process.arch,
  name: string = PLUGIN_EXECUTABLE,
) {
  const pkg = platformPackage(platform, cpu);
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new PluginMissingError(
      `no self-contained plugin for ${platform}-${cpu}: the package ${pkg} is not installed ` +
        `(npm installs it with pulumi-agent-alias on the platforms a release serves; ` +
        `or install a release archive: pulumi plugin install resource agent-alias ${version} --file ARCHIVE)`,
    );
  }
  const found = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  if (found !== version)
    throw new PluginMissingError(
      `${pkg} is ${found}, not ${version}: install the same version as pulumi-agent-alias`,
    );
  return join(dirname(manifest), platform === "win32" ? `${name}.exe` : name);
}

/**
 * Makes folder `dir` with `fill` (given a temporary folder to write into), unless `dir` exists
 * and `force` is not set; the folder appears whole or not at all. Returns whether it was written.
 */
function installFolder(dir: string, force: boolean, fill: (tmp: string) => void): boolean {
  if (existsSync(dir) && !force) return false;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    fill(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return true;
}

/** Installs the Pulumi plugin; returns its folder and whether it was written (not already there). */
export function installPlugin(pulumiHome: string, force = false): { dir: string; installed: boolean } {
  const version = packageVersion();
  const dir = join(pulumiHome, "plugins", `resource-agent-alias-v${version}`);
  if (existsSync(dir) && !force) return { dir, installed: false };
  const source = platformExecutable(version);
  const installed = installFolder(dir, true, (tmp) => {
    const file = join(tmp, source.slice(dirname(source).length + 1));
    copyFileSync(source, file);
    chmodSync(file, 0o755);
  });
  return { dir, installed };
}

/** Writes `<tmp>/<file>`, a script that execs this package's launcher `bin/<launcher>`. */
const launcherScript = (file: string, launcher: string) => (tmp: string) => {
  const target = join(PACKAGE_ROOT, "bin", launcher);
  const quoted = `'${target.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    join(tmp, file),
    `#!/bin/sh\n# agent-alias provider plugin: runs the launcher of the npm package.\nexec ${quoted} "$@"\n`,
  );
  chmodSync(join(tmp, file), 0o755);
};

/** The registries' host names a source address without one resolves to (OpenTofu's, Terraform's). */
export const TERRAFORM_HOSTS = ["registry.opentofu.org", "registry.terraform.io"] as const;

/** The Terraform platform name of this machine: `linux_amd64`, `darwin_arm64`. */
export const terraformPlatform = (): string =>
  `${process.platform === "win32" ? "windows" : process.platform}_${
    ({ x64: "amd64", ia32: "386" } as Record<string, string>)[process.arch] ?? process.arch
  }`;

/** Copies `source` into `<tmp>/<file>`, executable. */
const copyExecutable = (source: string, file: string) => (tmp: string) => {
  copyFileSync(source, join(tmp, file));
  chmodSync(join(tmp, file), 0o755);
};

/** How the mirror's provider runs: the self-contained executable, or the package's launcher on Node.js. */
export type TerraformForm = "executable" | "launcher";

/**
 * Installs the Terraform/OpenTofu provider into a filesystem mirror (unpacked layout); returns
 * its folders and its form. `launcher` forces the launcher form even where the executable is.
 */
export function installTerraformMirror(
  mirror: string,
  force = false,
  launcher = false,
): { dirs: string[]; installed: boolean; form: TerraformForm } {
  const version = packageVersion();
  const dirs = TERRAFORM_HOSTS.map((host) =>
    join(mirror, host, "agent-alias", "agentalias", version, terraformPlatform()),
  );
  let source: string | undefined;
  if (!launcher)
    try {
      source = platformExecutable(version, process.platform, process.arch, TERRAFORM_EXECUTABLE);
      if (!existsSync(source)) source = undefined;
    } catch (e) {
      if ((e as { code?: unknown }).code !== "plugin_missing") throw e;
    }
  const exe = process.platform === "win32" ? ".exe" : "";
  const file = `${TERRAFORM_EXECUTABLE}_v${version}${exe}`;
  const fill = source ? copyExecutable(source, file) : launcherScript(file, TERRAFORM_EXECUTABLE);
  let installed = false;
  for (const dir of dirs) installed = installFolder(dir, force, fill) || installed;
  return { dirs, installed, form: source ? "executable" : "launcher" };
}

/** `plugin install --terraform`: the mirror's folders, as a line or JSON. */
function terraformCommand(values: { mirror?: string; force?: boolean }, format: string, io: CliIO): number {
  const mirror = resolve(
    io.cwd ?? process.cwd(),
    values.mirror ?? join(homedir(), ".terraform.d", "plugins"),
  );
  const { dirs, installed, form } = installTerraformMirror(mirror, values.force === true);
  if (format === "json") writeJson(io, { dirs, installed, form });
  else {
    io.stdout.write(
      installed
        ? `installed ${dirs.join("\n          ")}\n`
        : `already installed: ${dirs.join(", ")} (--force replaces it)\n`,
    );
    if (installed && form === "launcher")
      io.stdout.write(
        `(no self-contained executable for ${process.platform}-${process.arch}: the provider runs this package's launcher on Node.js; keep the package installed)\n`,
      );
  }
  return EXIT.ok;
}

export async function pluginCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) return writeHelp(io, PLUGIN_HELP);
  if (positionals.length !== 1 || positionals[0] !== "install")
    throw usageError("the one subcommand is 'install' (agent-alias plugin install)");
  const format = outputFormat(values, ["human", "json"]);
  if (values.terraform) return terraformCommand(values, format, io);
  if (values.mirror !== undefined) throw usageError("--mirror goes with --terraform");
  const home = values["pulumi-home"] ?? process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  try {
    const { dir, installed } = installPlugin(resolve(io.cwd ?? process.cwd(), home), values.force === true);
    if (format === "json") writeJson(io, { dir, installed });
    else
      io.stdout.write(installed ? `installed ${dir}\n` : `already installed: ${dir} (--force replaces it)\n`);
    return EXIT.ok;
  } catch (e) {
    if ((e as { code?: unknown }).code !== "plugin_missing") throw e;
    io.stderr.write(`agent-alias plugin install: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
}
