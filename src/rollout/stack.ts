/**
 * The stack a rollout drives, behind a small interface (`RolloutStack`): read and set the
 * stage in stack config, `up`, and read the provider's connection settings. `automationStack`
 * implements it with the Pulumi Automation API (a LocalWorkspace on the user's project);
 * tests of the loop may give their own.
 *
 * Environment: like scripts/pulumi.sh, when this repository's cached CLI exists
 * (`.pulumi-home/versions/3.259.0`) it is used, with PULUMI_HOME, a local file backend and a
 * local passphrase as defaults; every variable already set (PULUMI_BACKEND_URL above all) wins.
 * Elsewhere the `pulumi` on PATH and the user's own settings are used unchanged.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  LocalWorkspace,
  PulumiCommand,
  type Stack,
  type UpdateSummary,
} from "@pulumi/pulumi/automation/index.js";
import { parse as parseYaml } from "yaml";
import { configKey, SETTING_NAMES, type SettingName, type SettingValues } from "../client/settings.js";
import { describeLock, readUpOutput, type UpOutcome } from "./engine-output.js";
import { stageSinceIn } from "./history.js";

/** What a rollout needs of a stack. Every method throws (a RolloutStackError) when Pulumi fails. */
export interface RolloutStack {
  /** The stack's name, as commands take it. */
  readonly name: string;
  /** The stage in stack config (the config key), or undefined when unset. */
  getStage(): Promise<string | undefined>;
  /** Sets the stage in stack config (`Pulumi.<stack>.yaml`, or the config file given). */
  setStage(stage: string): Promise<void>;
  /**
   * `pulumi up` with `stage` in config, recorded in the stack's history with `message`;
   * `changes`: the resources it changed (Infinity: unknown). The stack's config file holds
   * `stage` only once the `up` succeeded: the `up` runs on a copy, so a failed, interrupted or
   * killed `up` leaves config at the stage before. A failure is a RolloutStackError with the
   * engine's diagnostics (and the lock's holder when locked).
   */
  up(options: { message: string; stage: string }): Promise<{ changes: number }>;
  /**
   * Asks a running `up` to stop (one SIGINT: Pulumi cancels cleanly, ends the update and
   * releases its lock; a second call makes it terminate). False when no `up` runs.
   */
  interrupt(): boolean;
  /**
   * When `stage` took effect by the stack's update history (ms since the epoch; `stageSinceIn`);
   * undefined when the latest update was not made with it. Read when a rollout resumes, so the
   * hold counts from then.
   */
  stageSince(stage: string): Promise<number | undefined>;
  /** The stack's latest `count` updates, newest first (what `unfinishedRevertIn` reads). */
  updates(count: number): Promise<readonly UpdateSummary[]>;
  /**
   * The API's connection settings (the settings table) in stack config, read at once: by
   * default the provider's keys (`agent-alias:apiUrl`, `agent-alias:apiKey`, …); `keys` names
   * others (a key without a namespace is the project's, as `pulumi config` reads it). A
   * setting the config lacks is absent.
   */
  apiConfig(keys?: ApiConfigKeys): Promise<SettingValues>;
  /** The stack's tags (kept by its backend, seen by every machine that reaches it). */
  tags(): Promise<Record<string, string>>;
  setTag(name: string, value: string): Promise<void>;
  removeTag(name: string): Promise<void>;
}

/** The stack config key a rollout reads each connection setting from. */
export type ApiConfigKeys = Readonly<Record<SettingName, string>>;

/** The provider's own keys (`agent-alias:apiUrl`, …): what the dynamic resources and a default provider read. */
export const PROVIDER_API_KEYS: ApiConfigKeys = Object.freeze(
  Object.fromEntries(SETTING_NAMES.map((name) => [name, configKey(name)])) as Record<SettingName, string>,
);

/** A Pulumi command of a rollout failed; `operation` says which, the message carries Pulumi's own words. */
export class RolloutStackError extends Error {
  override readonly name = "RolloutStackError";
  readonly code = "stack_failed" as const;
  constructor(
    readonly operation: "select" | "config_get" | "config_set" | "up" | "history" | "tags",
    message: string,
    /** For `up`: what the engine said (UpOutcome). */
    readonly outcome?: UpOutcome,
  ) {
    super(message);
  }
}

export interface AutomationStackOptions {
  /** The stack name (as `pulumi stack select` takes it). */
  stack: string;
  /** The project folder (where Pulumi.yaml is). */
  workDir: string;
  /** The config key the program reads its stage from (default `canaryStage`). */
  configKey?: string;
  /** Use this config file instead of `Pulumi.<stack>.yaml` (pulumi's `--config-file`). */
  configFile?: string;
  /** Extra environment for every Pulumi command (wins over the defaults and process.env). */
  env?: Readonly<Record<string, string>>;
  /** The Pulumi installation (its `bin/pulumi`); default this repository's cached CLI, else PATH. */
  pulumiRoot?: string;
}

const CLI_VERSION = "3.259.0";
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** The defaults scripts/pulumi.sh sets, when this repository's CLI exists; {} otherwise. */
function repoDefaults(env: NodeJS.ProcessEnv): { root?: string; env: Record<string, string> } {
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

function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ stdout: string }>((done, fail) =>
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : done({ stdout })),
    ),
  );
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim();

/** The stack's config file: `Pulumi.<stack>.yaml` in the project's `stackConfigDir` (or legacy `config`). */
function stackConfigPath(workDir: string, stack: string): string {
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

/** A RolloutStack over the Automation API. Fails (RolloutStackError `select`) when the stack does not exist. */
export async function automationStack(options: AutomationStackOptions): Promise<RolloutStack> {
  const defaults = repoDefaults({ ...process.env, ...options.env });
  const envVars = { ...defaults.env, ...options.env };
  const root = options.pulumiRoot ?? defaults.root;
  const key = options.configKey ?? "canaryStage";
  let stack: Stack;
  try {
    const pulumiCommand = await PulumiCommand.get({
      ...(root !== undefined ? { root } : {}),
      skipVersionCheck: true,
    });
    stack = await LocalWorkspace.selectStack(
      { stackName: options.stack, workDir: options.workDir },
      { pulumiCommand, envVars, ...(envVars.PULUMI_HOME ? { pulumiHome: envVars.PULUMI_HOME } : {}) },
    );
  } catch (e) {
    throw new RolloutStackError("select", `cannot select stack '${options.stack}': ${messageOf(e)}`);
  }
  const ws = stack.workspace as LocalWorkspace;
  const configFile = options.configFile;
  // The Automation API's config calls have no --config-file; with one, run the same commands.
  // (PulumiCommand.run is internal to the Automation API; its `command` is the same binary.)
  const pulumi = (args: string[], operands: string[] = []) =>
    run(
      ws.pulumiCommand.command,
      [
        ...args,
        "--stack",
        options.stack,
        "--non-interactive",
        ...(configFile ? ["--config-file", configFile] : []),
        ...operands,
      ],
      ws.workDir,
      envVars,
    );

  /** The values of `names` in one read of the stack's config (a name without a namespace: the project's). */
  const getAll = async (names: readonly string[]): Promise<(string | undefined)[]> => {
    try {
      let all: Record<string, { value?: string }>;
      if (configFile === undefined) all = await stack.getAllConfig();
      else all = JSON.parse((await pulumi(["config", "--show-secrets", "--json"])).stdout);
      const values: (string | undefined)[] = [];
      for (const name of names) values.push(all[name]?.value ?? all[`${await projectName()}:${name}`]?.value);
      return values;
    } catch (e) {
      throw new RolloutStackError(
        "config_get",
        `cannot read '${names[0]}' of stack '${options.stack}': ${messageOf(e)}`,
      );
    }
  };
  const get = async (name: string): Promise<string | undefined> => (await getAll([name]))[0];
  let project: string | undefined;
  const projectName = async () => (project ??= (await ws.projectSettings()).name);
  // Commands that take no --config-file (stack tags).
  const bare = (args: string[], operands: string[] = []) =>
    run(
      ws.pulumiCommand.command,
      [...args, "--stack", options.stack, "--non-interactive", ...operands],
      ws.workDir,
      envVars,
    );

  const setStage = async (stage: string) => {
    try {
      if (configFile === undefined) await stack.setConfig(key, { value: stage });
      else await pulumi(["config", "set", key, "--plaintext"], ["--", stage]);
    } catch (e) {
      throw new RolloutStackError("config_set", `cannot set ${key}=${stage}: ${messageOf(e)}`);
    }
  };

  /** The `up` running now: what `interrupt` signals. */
  let running: ChildProcess | undefined;
  /**
   * `pulumi up` in its own process group, so a terminal's Ctrl-C reaches only this process, which
   * passes on exactly one interrupt (a second one would make Pulumi terminate, leaving its lock).
   */
  const runUp = async (message: string, stage: string): Promise<{ changes: number }> => {
    const dir = mkdtempSync(join(tmpdir(), "agent-alias-up-"));
    const eventLog = join(dir, "events.jsonl");
    const command = ws.pulumiCommand.command;
    const real = configFile ?? stackConfigPath(ws.workDir, options.stack);
    let upConfig = configFile;
    if (existsSync(real)) {
      upConfig = join(dir, basename(real));
      try {
        copyFileSync(real, upConfig);
        await bare(["config", "set", key, "--plaintext", "--config-file", upConfig], ["--", stage]);
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw new RolloutStackError("config_set", `cannot set ${key}=${stage} for the up: ${messageOf(e)}`);
      }
    } else await setStage(stage); // no config file to copy (a new stack, or config kept elsewhere)
    const args = [
      "up",
      "--yes",
      "--skip-preview",
      "--non-interactive",
      "--color",
      "never",
      "--stack",
      options.stack,
    ];
    args.push(
      "--event-log",
      eventLog,
      "--message",
      message,
      ...(upConfig ? ["--config-file", upConfig] : []),
    );
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
        const child = spawn(command, args, {
          cwd: ws.workDir,
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
        running = child;
        let err = "";
        child.stdout!.resume();
        child.stderr!.setEncoding("utf8").on("data", (d: string) => {
          err = (err + d).slice(-(1 << 20));
        });
        child.once("error", fail);
        child.once("close", (c) => done({ code: c, stderr: err }));
      });
      const outcome = readUpOutput(existsSync(eventLog) ? readFileSync(eventLog, "utf8") : "", stderr);
      if (code === 0) {
        if (upConfig !== configFile) await setStage(stage);
        return { changes: outcome.changes };
      }
      const why = outcome.lock
        ? describeLock(outcome.lock, options.stack)
        : outcome.cancelled
          ? "the update was cancelled (interrupted)"
          : outcome.diagnostics.length > 0
            ? outcome.diagnostics.join("; ")
            : stderr.trim().split("\n").slice(-5).join(" ") || `exit code ${code}`;
      throw new RolloutStackError("up", `pulumi up failed on stack '${options.stack}': ${why}`, outcome);
    } catch (e) {
      if (e instanceof RolloutStackError) throw e;
      throw new RolloutStackError(
        "up",
        `pulumi up could not run on stack '${options.stack}': ${messageOf(e)}`,
      );
    } finally {
      running = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  };

  return {
    name: options.stack,
    getStage: () => get(key),
    setStage,
    up: (upOptions) => runUp(upOptions.message, upOptions.stage),
    interrupt() {
      if (running === undefined || running.exitCode !== null || running.pid === undefined) return false;
      try {
        process.kill(running.pid, "SIGINT");
      } catch {
        return false;
      }
      return true;
    },
    async stageSince(stage) {
      let history: Awaited<ReturnType<Stack["history"]>>;
      try {
        history = await stack.history(100, undefined, false);
      } catch (e) {
        throw new RolloutStackError(
          "history",
          `cannot read the history of stack '${options.stack}': ${messageOf(e)}`,
        );
      }
      const qualified = `${await projectName()}:${key}`;
      return stageSinceIn(history, stage, [qualified, key]);
    },
    async updates(count) {
      try {
        return await stack.history(count, undefined, false);
      } catch (e) {
        throw new RolloutStackError(
          "history",
          `cannot read the history of stack '${options.stack}': ${messageOf(e)}`,
        );
      }
    },
    async apiConfig(keys = PROVIDER_API_KEYS) {
      const values = await getAll(SETTING_NAMES.map((name) => keys[name]));
      const out: SettingValues = {};
      SETTING_NAMES.forEach((name, i) => {
        if (values[i] !== undefined) out[name] = values[i];
      });
      return out;
    },
    async tags() {
      try {
        const r = await bare(["stack", "tag", "ls", "--json"]);
        return JSON.parse(r.stdout || "{}") as Record<string, string>;
      } catch (e) {
        throw new RolloutStackError(
          "tags",
          `cannot read the tags of stack '${options.stack}': ${messageOf(e)}`,
        );
      }
    },
    async setTag(name, value) {
      try {
        await bare(["stack", "tag", "set"], ["--", name, value]);
      } catch (e) {
        throw new RolloutStackError(
          "tags",
          `cannot set tag ${name} of stack '${options.stack}': ${messageOf(e)}`,
        );
      }
    },
    async removeTag(name) {
      try {
        await bare(["stack", "tag", "rm"], ["--", name]);
      } catch (e) {
        throw new RolloutStackError(
          "tags",
          `cannot remove tag ${name} of stack '${options.stack}': ${messageOf(e)}`,
        );
      }
    },
  };
}
