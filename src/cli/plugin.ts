/**
 * `agent-alias plugin install`: makes the native provider plugin of this package known to the
 * Pulumi CLI, as `pulumi plugin install` would: a folder
 * `$PULUMI_HOME/plugins/resource-agent-alias-v<version>/` (PULUMI_HOME defaults to
 * ~/.pulumi) holding `pulumi-resource-agent-alias`, a two-line script that runs this
 * package's launcher (bin/pulumi-resource-agent-alias). `pulumi plugin ls` then lists it with
 * its version, and any program (YAML, Python, Go, ...) finds it without a `plugins:` entry.
 * Written in a temporary folder and renamed into place, so a half-written plugin never shows.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { outputFormat, parseFlags, usageError, writeHelp } from "./args.js";
import { type CliIO, EXIT, writeJson } from "./io.js";

export const PLUGIN_HELP = `Usage: agent-alias plugin install [--pulumi-home DIR] [--force] [--format human|json] [--json]

Installs the native Pulumi provider plugin 'agent-alias' of this package into
$PULUMI_HOME/plugins/resource-agent-alias-v<version>/ (PULUMI_HOME defaults to ~/.pulumi), so
'pulumi plugin ls' shows it and Pulumi programs in any language use it. The plugin runs this
package's code: keep the package installed (or install again after moving it).
--pulumi-home DIR   another Pulumi home than $PULUMI_HOME or ~/.pulumi
--force             replace an installed plugin of the same version
Prints the plugin's folder: a line for people (--format human, the default, on a terminal or
not), or with --json (--format json) {"dir", "installed"}. Exit 0; 2 for bad arguments.`;

const FLAGS = {
  "pulumi-home": { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
  format: { type: "string" },
} as const;

/** The package's root (holding package.json and bin/). */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Installs the plugin; returns its folder. */
export function installPlugin(pulumiHome: string, force = false): { dir: string; installed: boolean } {
  const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };
  const plugins = join(pulumiHome, "plugins");
  const dir = join(plugins, `resource-agent-alias-v${version}`);
  if (existsSync(dir) && !force) return { dir, installed: false };
  const launcher = join(PACKAGE_ROOT, "bin", "pulumi-resource-agent-alias");
  mkdirSync(plugins, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const quoted = `'${launcher.replaceAll("'", `'\\''`)}'`;
  const file = join(tmp, "pulumi-resource-agent-alias");
  writeFileSync(
    file,
    `#!/bin/sh\n# agent-alias provider plugin: runs the launcher of the npm package.\nexec ${quoted} "$@"\n`,
  );
  chmodSync(file, 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { dir, installed: true };
}

export async function pluginCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) return writeHelp(io, PLUGIN_HELP);
  if (positionals.length !== 1 || positionals[0] !== "install")
    throw usageError("plugin", "the one subcommand is 'install' (agent-alias plugin install)");
  const format = outputFormat(values, ["human", "json"]);
  const home = values["pulumi-home"] ?? process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  const { dir, installed } = installPlugin(resolve(io.cwd ?? process.cwd(), home), values.force === true);
  if (format === "json") writeJson(io, { dir, installed });
  else
    io.stdout.write(installed ? `installed ${dir}\n` : `already installed: ${dir} (--force replaces it)\n`);
  return EXIT.ok;
}
