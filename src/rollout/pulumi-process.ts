/**
 * Running the Pulumi CLI for a rollout: the environment this repository's cached CLI wants
 * (`repoDefaults`), a command with its output (`run`), a detached `pulumi up` that only this
 * process interrupts (`spawnUp`), and where a stack's config file is (`stackConfigPath`).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

const CLI_VERSION = "3.259.0";
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** The defaults scripts/pulumi.sh sets, when this repository's CLI exists; {} otherwise. */
export function repoDefaults(env: NodeJS.ProcessEnv): { root?: string; env: Record<string, string> } {
  const home = env.PULUMI_HOME ?? join(REPO, ".pulumi-home");
  const root = join(home, "versions", CLI_VERSION);
  if (!existsSync(join(root, "bin", "pulumi"))) return { env: {} };
  const out: Record<string, string> = {
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PATH: [join(REPO, "node_modules", ".bin"), join(root, "bin"), env.PATH ?? ""].join(":"),
  };
  if (!env.PULUMI_BACKEND_URL) {
    const state = join(env.TMPDIR ?? tmpdir(), `pulumi-agent-alias-${process.getuid?.() ?? 0}`, "state");
    mkdirSync(state, { recursive: true });
    out.PULUMI_BACKEND_URL = `file://${state}`;
  }
  if (!env.PULUMI_CONFIG_PASSPHRASE && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    out.PULUMI_CONFIG_PASSPHRASE = "agent-alias-local";
  }
  return { root, env: out };
}

export function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ stdout: string }>((done, fail) =>
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : done({ stdout })),
    ),
  );
}

/**
 * What a failure says, for a person: of a Pulumi command the Automation API ran, the CLI's own
 * `error:` lines (its message otherwise dumps the command line, stdout and stderr); of
 * anything else, its message.
 */
export function messageOf(e: unknown): string {
  const stderr = (e as { commandResult?: { stderr?: unknown } } | null)?.commandResult?.stderr;
  if (typeof stderr === "string") {
    const said = [...stderr.matchAll(/^error: (.+)$/gm)].map((m) => m[1]!.trim());
    if (said.length > 0) return said.join("; ");
  }
  return (e instanceof Error ? e.message : String(e)).trim();
}

/** The stack's config file: `Pulumi.<stack>.yaml` in the project's `stackConfigDir` (or legacy `config`). */
export function stackConfigPath(workDir: string, stack: string): string {
  const project = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(workDir, f)).find((f) => existsSync(f));
  let dir = "";
  if (project !== undefined) {
    try {
      const raw = parseYaml(readFileSync(project, "utf8")) as { stackConfigDir?: unknown; config?: unknown };
      dir =
        typeof raw.stackConfigDir === "string"
          ? raw.stackConfigDir
          : typeof raw.config === "string"
            ? raw.config
            : "";
    } catch {
      // An unreadable project file: Pulumi itself will say so at the up.
    }
  }
  return join(workDir, dir, `Pulumi.${stack.split("/").at(-1)}.yaml`);
}

/**
 * `pulumi up` (`command` with `args`) in its own process group, so a terminal's Ctrl-C reaches
 * only this process, which passes on exactly one interrupt (a second one would make Pulumi
 * terminate, leaving its lock). `started` receives the child (what an interrupt signals).
 * Resolves with the exit code and the last MiB of stderr; stdout is drained, or both go to
 * `output` as they come (the engine's own progress: `--show-up`, `--up-log`).
 */
export function spawnUp(
  command: string,
  args: readonly string[],
  cwd: string,
  envVars: Record<string, string>,
  started: (child: ChildProcess) => void,
  output?: (text: string) => void,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env: {
        ...process.env,
        ...envVars,
        PATH: `${dirname(command)}:${envVars.PATH ?? process.env.PATH ?? ""}`,
        // --event-log is one of the "debug commands" flags (the Automation API sets it too).
        PULUMI_DEBUG_COMMANDS: "true",
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    started(child);
    let err = "";
    if (output === undefined) child.stdout!.resume();
    else child.stdout!.setEncoding("utf8").on("data", output);
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err = (err + d).slice(-(1 << 20));
      output?.(d);
    });
    child.once("error", fail);
    child.once("close", (c) => done({ code: c, stderr: err }));
  });
}
