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
import type { ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import {
  LocalWorkspace,
  PulumiCommand,
  type Stack,
  type UpdateSummary,
} from "@pulumi/pulumi/automation/index.js";
import { configKey, SETTING_NAMES, type SettingName, type SettingValues } from "../client/settings.js";
import { describeLock, readUpOutput, type UpOutcome } from "./engine-output.js";
import { stageSinceIn } from "./history.js";
import { messageOf, repoDefaults, run, spawnUp, stackConfigPath } from "./pulumi-process.js";

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
  /** Each `up`'s output (the engine's stdout and stderr) as it comes. */
  upOutput?: (text: string) => void;
}

/** A selected stack and the commands the rollout runs on it. */
interface StackCli {
  readonly stack: Stack;
  readonly ws: LocalWorkspace;
  readonly name: string;
  readonly key: string;
  readonly configFile: string | undefined;
  readonly envVars: Record<string, string>;
  /** A Pulumi command on the stack, with `--config-file` when one is given. */
  readonly pulumi: (args: string[], operands?: string[]) => Promise<{ stdout: string }>;
  /** A Pulumi command that takes no `--config-file` (stack tags). */
  readonly bare: (args: string[], operands?: string[]) => Promise<{ stdout: string }>;
  readonly projectName: () => Promise<string>;
  readonly upOutput: ((text: string) => void) | undefined;
}

/** The folder of the Pulumi project `dir` is in (Pulumi.yaml there or above, as the CLI finds it). */
function projectDir(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (["Pulumi.yaml", "Pulumi.yml"].some((f) => existsSync(join(d, f)))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** Selects the stack (RolloutStackError `select` when it does not exist). */
async function selectStack(options: AutomationStackOptions): Promise<StackCli> {
  const defaults = repoDefaults({ ...process.env, ...options.env });
  const envVars = { ...defaults.env, ...options.env };
  const root = options.pulumiRoot ?? defaults.root;
  if (projectDir(options.workDir) === undefined)
    throw new RolloutStackError(
      "select",
      `no Pulumi project in ${options.workDir} or above it (no Pulumi.yaml): run it in the project's folder, or give --cwd DIR`,
    );
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
  const common = ["--stack", options.stack, "--non-interactive"];
  let project: string | undefined;
  return {
    stack,
    ws,
    name: options.stack,
    key: options.configKey ?? "canaryStage",
    configFile,
    envVars,
    // The Automation API's config calls have no --config-file; with one, run the same commands.
    // (PulumiCommand.run is internal to the Automation API; its `command` is the same binary.)
    pulumi: (args, operands = []) =>
      run(
        ws.pulumiCommand.command,
        [...args, ...common, ...(configFile ? ["--config-file", configFile] : []), ...operands],
        ws.workDir,
        envVars,
      ),
    bare: (args, operands = []) =>
      run(ws.pulumiCommand.command, [...args, ...common, ...operands], ws.workDir, envVars),
    projectName: async () => (project ??= (await ws.projectSettings()).name),
    upOutput: options.upOutput,
  };
}

/** The values of `names` in one read of the stack's config (a name without a namespace: the project's). */
async function configValues(cli: StackCli, names: readonly string[]): Promise<(string | undefined)[]> {
  try {
    let all: Record<string, { value?: string }>;
    if (cli.configFile === undefined) all = await cli.stack.getAllConfig();
    else all = JSON.parse((await cli.pulumi(["config", "--show-secrets", "--json"])).stdout);
    const values: (string | undefined)[] = [];
    for (const name of names)
      values.push(all[name]?.value ?? all[`${await cli.projectName()}:${name}`]?.value);
    return values;
  } catch (e) {
    throw new RolloutStackError(
      "config_get",
      `cannot read '${names[0]}' of stack '${cli.name}': ${messageOf(e)}`,
    );
  }
}

async function setStageOf(cli: StackCli, stage: string): Promise<void> {
  const { key } = cli;
  try {
    if (cli.configFile === undefined) await cli.stack.setConfig(key, { value: stage });
    else await cli.pulumi(["config", "set", key, "--plaintext"], ["--", stage]);
  } catch (e) {
    throw new RolloutStackError("config_set", `cannot set ${key}=${stage}: ${messageOf(e)}`);
  }
}

/**
 * `pulumi up` with `stage` in a copy of the stack's config (the real file holds the stage only
 * once the up succeeded), its events logged; a failure says why in the engine's words.
 */
async function runUp(
  cli: StackCli,
  message: string,
  stage: string,
  started: (child: ChildProcess | undefined) => void,
): Promise<{ changes: number }> {
  const { key, configFile, name } = cli;
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-up-"));
  const eventLog = join(dir, "events.jsonl");
  const real = configFile ?? stackConfigPath(cli.ws.workDir, name);
  let upConfig = configFile;
  if (existsSync(real)) {
    upConfig = join(dir, basename(real));
    try {
      copyFileSync(real, upConfig);
      await cli.bare(["config", "set", key, "--plaintext", "--config-file", upConfig], ["--", stage]);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw new RolloutStackError("config_set", `cannot set ${key}=${stage} for the up: ${messageOf(e)}`);
    }
  } else await setStageOf(cli, stage); // no config file to copy (a new stack, or config kept elsewhere)
  const args = ["up", "--yes", "--skip-preview", "--non-interactive", "--color", "never", "--stack", name];
  args.push("--event-log", eventLog, "--message", message, ...(upConfig ? ["--config-file", upConfig] : []));
  try {
    const { code, stderr } = await spawnUp(
      cli.ws.pulumiCommand.command,
      args,
      cli.ws.workDir,
      cli.envVars,
      started,
      cli.upOutput,
    );
    const outcome = readUpOutput(existsSync(eventLog) ? readFileSync(eventLog, "utf8") : "", stderr);
    if (code === 0) {
      if (upConfig !== configFile) await setStageOf(cli, stage);
      return { changes: outcome.changes };
    }
    const why = outcome.lock
      ? describeLock(outcome.lock, name)
      : outcome.cancelled
        ? "the update was cancelled (interrupted)"
        : outcome.diagnostics.length > 0
          ? outcome.diagnostics.join("; ")
          : stderr.trim().split("\n").slice(-5).join(" ") || `exit code ${code}`;
    throw new RolloutStackError("up", `pulumi up failed on stack '${name}': ${why}`, outcome);
  } catch (e) {
    if (e instanceof RolloutStackError) throw e;
    throw new RolloutStackError("up", `pulumi up could not run on stack '${name}': ${messageOf(e)}`);
  } finally {
    started(undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stack's update history, newest first (RolloutStackError `history`). */
async function historyOf(cli: StackCli, count: number) {
  try {
    return await cli.stack.history(count, undefined, false);
  } catch (e) {
    throw new RolloutStackError("history", `cannot read the history of stack '${cli.name}': ${messageOf(e)}`);
  }
}

/** A stack tag command; a failure is a RolloutStackError `tags` saying `what`. */
async function tagCommand(cli: StackCli, what: string, args: string[], operands: string[] = []) {
  try {
    return await cli.bare(["stack", "tag", ...args], operands);
  } catch (e) {
    throw new RolloutStackError("tags", `cannot ${what} of stack '${cli.name}': ${messageOf(e)}`);
  }
}

/** A RolloutStack over the Automation API. Fails (RolloutStackError `select`) when the stack does not exist. */
export async function automationStack(options: AutomationStackOptions): Promise<RolloutStack> {
  const cli = await selectStack(options);
  const { key } = cli;
  /** The `up` running now: what `interrupt` signals. */
  let running: ChildProcess | undefined;
  return {
    name: options.stack,
    getStage: async () => (await configValues(cli, [key]))[0],
    setStage: (stage) => setStageOf(cli, stage),
    up: (upOptions) =>
      runUp(cli, upOptions.message, upOptions.stage, (child) => {
        running = child;
      }),
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
      const history = await historyOf(cli, 100);
      const qualified = `${await cli.projectName()}:${key}`;
      return stageSinceIn(history, stage, [qualified, key]);
    },
    updates: (count) => historyOf(cli, count),
    async apiConfig(keys = PROVIDER_API_KEYS) {
      const values = await configValues(
        cli,
        SETTING_NAMES.map((name) => keys[name]),
      );
      const out: SettingValues = {};
      SETTING_NAMES.forEach((name, i) => {
        if (values[i] !== undefined) out[name] = values[i];
      });
      return out;
    },
    async tags() {
      const r = await tagCommand(cli, "read the tags", ["ls", "--json"]);
      return JSON.parse(r.stdout || "{}") as Record<string, string>;
    },
    async setTag(name, value) {
      await tagCommand(cli, `set tag ${name}`, ["set"], ["--", name, value]);
    },
    async removeTag(name) {
      await tagCommand(cli, `remove tag ${name}`, ["rm"], ["--", name]);
    },
  };
}
