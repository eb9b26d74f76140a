/**
 * `agent-alias plugin install`: makes the native provider plugin of this package known to the
 * Pulumi CLI, as `pulumi plugin install` would: a folder
 * `$PULUMI_HOME/plugins/resource-agent-alias-v<version>/` (PULUMI_HOME defaults to
 * ~/.pulumi) holding `pulumi-resource-agent-alias`, a two-line script that runs this
 * package's launcher (bin/pulumi-resource-agent-alias). `pulumi plugin ls` then lists it with
 * its version, and any program (YAML, Python, Go, ...) finds it without a `plugins:` entry.
 *
 * With `--terraform`, the Terraform/OpenTofu provider instead, in a filesystem mirror's
 * unpacked layout (`<mirror>/<host>/agent-alias/agentalias/<version>/<os>_<arch>/`) for both
 * registries' host names, so `source = "agent-alias/agentalias"` resolves in either tool.
 * The default mirror, ~/.terraform.d/plugins, is one both tools search without any setting.
 * Each folder is written in a temporary place and renamed into place, so a half-written
 * plugin never shows.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { outputFormat, parseFlags, usageError, writeHelp } from "./args.js";
import { type CliIO, EXIT, writeJson } from "./io.js";

export const PLUGIN_HELP = `Usage: agent-alias plugin install [--pulumi-home DIR] [--force] [--format human|json] [--json]
       agent-alias plugin install --terraform [--mirror DIR] [--force] [--format human|json] [--json]

Installs the native Pulumi provider plugin 'agent-alias' of this package into
$PULUMI_HOME/plugins/resource-agent-alias-v<version>/ (PULUMI_HOME defaults to ~/.pulumi), so
'pulumi plugin ls' shows it and Pulumi programs in any language use it. The plugin runs this
package's code: keep the package installed (or install again after moving it).
--pulumi-home DIR   another Pulumi home than $PULUMI_HOME or ~/.pulumi
--force             replace an installed plugin of the same version
--terraform         install the Terraform/OpenTofu provider 'agent-alias/agentalias' into a
                    filesystem mirror instead (see docs/terraform.md)
--mirror DIR        the mirror folder (default ~/.terraform.d/plugins, which terraform and
                    tofu search by themselves)
Prints the plugin's folder (with --terraform, the mirror's folders): a line for people
(--format human, the default, on a terminal or not), or with --json (--format json)
{"dir", "installed"} ({"dirs", "installed"} with --terraform). Exit 0; 2 for bad arguments.`;

const FLAGS = {
  "pulumi-home": { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  format: { type: "string" },
  terraform: { type: "boolean" },
  mirror: { type: "string" },
} as const;

/** The package's root (holding package.json and bin/). */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const packageVersion = (): string =>
  (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

/**
 * Writes `dir/file`, a script that execs this package's launcher `bin/<launcher>`, unless
 * `dir` exists (and `force` is not set); the folder appears whole or not at all.
 */
function installLauncher(dir: string, file: string, launcher: string, force: boolean): boolean {
  if (existsSync(dir) && !force) return false;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const target = join(PACKAGE_ROOT, "bin", launcher);
  const quoted = `'${target.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    join(tmp, file),
    `#!/bin/sh\n# agent-alias provider plugin: runs the launcher of the npm package.\nexec ${quoted} "$@"\n`,
  );
  chmodSync(join(tmp, file), 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return true;
}

/** Installs the Pulumi plugin; returns its folder. */
export function installPlugin(pulumiHome: string, force = false): { dir: string; installed: boolean } {
  const dir = join(pulumiHome, "plugins", `resource-agent-alias-v${packageVersion()}`);
  return {
    dir,
    installed: installLauncher(dir, "pulumi-resource-agent-alias", "pulumi-resource-agent-alias", force),
  };
}

/** The registries' host names a source address without one resolves to (OpenTofu's, Terraform's). */
export const TERRAFORM_HOSTS = ["registry.opentofu.org", "registry.terraform.io"] as const;

/** The Terraform platform name of this machine: `linux_amd64`, `darwin_arm64`. */
export const terraformPlatform = (): string =>
  `${process.platform === "win32" ? "windows" : process.platform}_${
    ({ x64: "amd64", ia32: "386" } as Record<string, string>)[process.arch] ?? process.arch
  }`;

/** Installs the Terraform/OpenTofu provider into a filesystem mirror (unpacked layout); returns its folders. */
export function installTerraformMirror(
  mirror: string,
  force = false,
): { dirs: string[]; installed: boolean } {
  const version = packageVersion();
  const dirs = TERRAFORM_HOSTS.map((host) =>
    join(mirror, host, "agent-alias", "agentalias", version, terraformPlatform()),
  );
  const file = `terraform-provider-agentalias_v${version}`;
  let installed = false;
  for (const dir of dirs)
    installed = installLauncher(dir, file, "terraform-provider-agentalias", force) || installed;
  return { dirs, installed };
}

export async function pluginCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) return writeHelp(io, PLUGIN_HELP);
  if (positionals.length !== 1 || positionals[0] !== "install")
    throw usageError("plugin", "the one subcommand is 'install' (agent-alias plugin install)");
  const format = outputFormat(values, ["human", "json"]);
  if (values.terraform) {
    const mirror = resolve(
      io.cwd ?? process.cwd(),
      values.mirror ?? join(homedir(), ".terraform.d", "plugins"),
    );
    const { dirs, installed } = installTerraformMirror(mirror, values.force === true);
    if (format === "json") writeJson(io, { dirs, installed });
    else
      io.stdout.write(
        installed
          ? `installed ${dirs.join("\n          ")}\n`
          : `already installed: ${dirs.join(", ")} (--force replaces it)\n`,
      );
    return EXIT.ok;
  }
  if (values.mirror !== undefined) throw usageError("plugin", "--mirror goes with --terraform");
  const home = values["pulumi-home"] ?? process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  const { dir, installed } = installPlugin(resolve(io.cwd ?? process.cwd(), home), values.force === true);
  if (format === "json") writeJson(io, { dir, installed });
  else
    io.stdout.write(installed ? `installed ${dir}\n` : `already installed: ${dir} (--force replaces it)\n`);
  return EXIT.ok;
}
