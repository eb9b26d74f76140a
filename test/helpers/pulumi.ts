/**
 * Runs the real `pulumi` CLI (built by scripts/setup-pulumi.sh, run through scripts/pulumi.sh)
 * on a program folder, with a file backend and a config file in a temporary folder, so the
 * program's folder is left as it was.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";

export const PULUMI = join(REPO, "scripts/pulumi.sh");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages that may land in either. */
  output: string;
}

/** True when the cached CLI exists (`npm test` runs the setup first). */
export function pulumiAvailable(): boolean {
  return existsSync(join(REPO, ".pulumi-home/versions/3.259.0/bin/pulumi"));
}

/** How a TestStack runs the CLI: which `pulumi`, and the environment it starts from. */
export interface StackRunner {
  /** The `pulumi` to run (default scripts/pulumi.sh, the project's cached CLI). */
  pulumi?: string;
  /** The environment the run starts from instead of this process's. */
  baseEnv?: Record<string, string>;
}

export class TestStack {
  readonly dir: string;
  readonly backend: string;
  readonly configFile: string;

  constructor(
    readonly programDir: string,
    readonly stack = "test",
    readonly env: Record<string, string> = {},
    readonly runner: StackRunner = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "agent-alias-engine-"));
    this.backend = join(this.dir, "state");
    mkdirSync(this.backend);
    this.configFile = join(this.dir, `Pulumi.${stack}.yaml`);
  }

  run(args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    const full = [...args, "--stack", this.stack, "--non-interactive"];
    if (!["stack", "state", "cancel"].includes(args[0]!)) full.push("--config-file", this.configFile);
    return new Promise((resolve) => {
      execFile(
        this.runner.pulumi ?? PULUMI,
        full,
        {
          cwd: this.programDir,
          timeout: opts.timeoutMs ?? 240_000,
          maxBuffer: 64 * 1024 * 1024,
          env: {
            ...(this.runner.baseEnv ?? process.env),
            PULUMI_BACKEND_URL: `file://${this.backend}`,
            PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
            ...this.env,
          },
        },
        (err, stdout, stderr) => {
          const code = err
            ? typeof (err as { code?: unknown }).code === "number"
              ? (err as { code: number }).code
              : 1
            : 0;
          resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` });
        },
      );
    });
  }

  /** Runs and fails the test (with the CLI's output) unless the exit code is 0. */
  async ok(args: string[]): Promise<RunResult> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.output}`);
    return r;
  }

  async init(config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    await this.ok(["stack", "init"]);
    for (const [k, v] of Object.entries(config)) await this.ok(["config", "set", k, v]);
    for (const [k, v] of Object.entries(secrets)) await this.ok(["config", "set", "--secret", k, v]);
  }

  /** The checkpoint file of the stack (the state), as text. */
  stateText(): string {
    const stacks = join(this.backend, ".pulumi", "stacks");
    for (const project of readdirSync(stacks)) {
      const file = join(stacks, project, `${this.stack}.json`);
      if (existsSync(file)) return readFileSync(file, "utf8");
    }
    throw new Error(`no state for stack ${this.stack} under ${stacks}`);
  }

  async dispose(): Promise<void> {
    await this.run(["destroy", "--yes"]);
    await this.run(["stack", "rm", "--yes", "--force"]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
