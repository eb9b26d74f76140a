/**
 * `agent-alias plugin install`: installs the native provider plugin for the Pulumi CLI, as
 * `pulumi plugin install` would: a folder `$PULUMI_HOME/plugins/resource-agent-alias-v<version>/`
 * (PULUMI_HOME defaults to ~/.pulumi) holding a copy of the self-contained executable
 * `pulumi-resource-agent-alias` (Node.js embedded, nothing of this package needed at run time).
 * The executable comes from the platform package npm installs beside this one
 * (`platformPackage`, an optional dependency for each platform a release serves), at this
 * package's version. `pulumi plugin ls` then lists it, and any program (YAML, Python, Go, ...)
 * uses it, after this package or the project it came from is gone. Written in a temporary
 * folder and renamed into place, so a half-written plugin never shows.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseFlags, usageError, writeHelp } from "./args.js";
import { type CliIO, EXIT } from "./io.js";

/** The plugin's executable (without `.exe`). */
export const PLUGIN_EXECUTABLE = "pulumi-resource-agent-alias";

/** The npm package that carries the plugin executable of a platform (npm's os and cpu names). */
export const platformPackage = (platform: string, cpu: string): string =>
  `pulumi-agent-alias-${platform}-${cpu}`;

export const PLUGIN_HELP = `Usage: agent-alias plugin install [--pulumi-home DIR] [--force]

Installs the native Pulumi provider plugin 'agent-alias' of this package into
$PULUMI_HOME/plugins/resource-agent-alias-v<version>/ (PULUMI_HOME defaults to ~/.pulumi), so
'pulumi plugin ls' shows it and Pulumi programs in any language use it. The plugin is a copy of
the self-contained executable of this platform (from the package ${platformPackage("<os>", "<cpu>")},
which npm installs with this one): it needs no Node.js and outlives this package.
--pulumi-home DIR   another Pulumi home than $PULUMI_HOME or ~/.pulumi
--force             replace an installed plugin of the same version
Prints the plugin's folder. Exit 0; 1 when this platform's executable is not installed;
2 for bad arguments.`;

const FLAGS = { "pulumi-home": { type: "string" }, force: { type: "boolean" } } as const;

const require = createRequire(import.meta.url);

/** This package's version. */
const packageVersion = (): string => (require("../../package.json") as { version: string }).version;

/** Why the plugin cannot be installed (no executable for this platform), as data. */
export class PluginMissingError extends Error {
  override readonly name = "PluginMissingError";
  readonly code = "plugin_missing" as const;
}

/** The self-contained executable of this platform, from its platform package at `version`. */
export function platformExecutable(
  version: string,
  platform: string = process.platform,
  cpu: string = process.arch,
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
  return join(dirname(manifest), platform === "win32" ? `${PLUGIN_EXECUTABLE}.exe` : PLUGIN_EXECUTABLE);
}

/** Installs the plugin; returns its folder and whether it was written (not already there). */
export function installPlugin(pulumiHome: string, force = false): { dir: string; installed: boolean } {
  const version = packageVersion();
  const plugins = join(pulumiHome, "plugins");
  const dir = join(plugins, `resource-agent-alias-v${version}`);
  if (existsSync(dir) && !force) return { dir, installed: false };
  const source = platformExecutable(version);
  mkdirSync(plugins, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const file = join(tmp, source.slice(dirname(source).length + 1));
  copyFileSync(source, file);
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
  const home = values["pulumi-home"] ?? process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  try {
    const { dir, installed } = installPlugin(resolve(io.cwd ?? process.cwd(), home), values.force === true);
    io.stdout.write(installed ? `installed ${dir}\n` : `already installed: ${dir} (--force replaces it)\n`);
    return EXIT.ok;
  } catch (e) {
    if ((e as { code?: unknown }).code !== "plugin_missing") throw e;
    io.stderr.write(`agent-alias plugin install: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
}
