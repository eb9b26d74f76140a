/**
 * Runs the real OpenTofu, or HashiCorp Terraform (both built by scripts/setup-tofu.sh, which
 * `npm test`'s pretest runs; the test project `terraform` sets AGENT_ALIAS_TF_CLI=terraform),
 * on configurations in temporary folders, with the provider of this checkout installed as a
 * user installs it: `agent-alias plugin install --terraform --mirror DIR` into a filesystem
 * mirror, named by a CLI config file (TF_CLI_CONFIG_FILE), so `tofu init` works offline.
 * The mirror runs bin/terraform-provider-agentalias, which runs dist/ (npm test builds it).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { installTerraformMirror, TERRAFORM_HOSTS } from "../../src/cli/plugin.js";
import { REPO } from "./cli.js";

export const TOFU_VERSION = "1.10.6";
export const TOFU = process.env.TOFU ?? join(REPO, ".tofu-home/versions", TOFU_VERSION, "tofu");
export const TERRAFORM_VERSION = "1.13.3";
export const TERRAFORM =
  process.env.TERRAFORM ?? join(REPO, ".tofu-home/terraform", TERRAFORM_VERSION, "terraform");

/** The CLI this test run drives: OpenTofu unless AGENT_ALIAS_TF_CLI=terraform. */
export const TF_CLI =
  process.env.AGENT_ALIAS_TF_CLI === "terraform"
    ? { name: "Terraform", bin: TERRAFORM, command: "terraform" }
    : { name: "OpenTofu", bin: TOFU, command: "tofu" };

/** The one place test runs keep their mirror and CLI config (made once per test file). */
let setup: { cliConfig: string; mirror: string } | undefined;

/** The filesystem mirror and the CLI config file naming it. */
export function tofuSetup(): { cliConfig: string; mirror: string } {
  if (setup) return setup;
  if (!existsSync(TF_CLI.bin))
    throw new Error(
      `${TF_CLI.name} is not built at ${TF_CLI.bin}: run \`npm run setup:tofu\` (npm test's pretest does)`,
    );
  const root = mkdtempSync(join(tmpdir(), "agent-alias-tofu-"));
  const mirror = join(root, "mirror");
  installTerraformMirror(mirror);
  const cliConfig = join(root, "cli.tfrc");
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ${JSON.stringify(TERRAFORM_HOSTS.map((h) => `${h}/agent-alias/agentalias`))}\n  }\n}\n`,
  );
  setup = { cliConfig, mirror };
  return setup;
}

export interface TofuResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together. */
  output: string;
}

/** The environment of a run: this process's, without any agent-alias credentials, plus `env`. */
function runEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!(k === "AGENT_ALIAS_API_URL" || k.startsWith("VECTARA_") || k.startsWith("TF_"))) out[k] = v;
  Object.assign(out, {
    TF_CLI_CONFIG_FILE: tofuSetup().cliConfig,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
  });
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A folder holding one configuration, and the `tofu` commands run in it. */
export class TofuWorkspace {
  readonly dir: string;
  constructor(
    files: Record<string, string>,
    /** The environment every command of this workspace gets (credentials, TF_VAR_…). */
    readonly env: Record<string, string | undefined> = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "agent-alias-tf-"));
    this.write(files);
  }

  /** Writes (or replaces) files of the configuration. */
  write(files: Record<string, string>): void {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, name)), { recursive: true });
      writeFileSync(join(this.dir, name), text);
    }
  }

  read(name: string): string {
    return readFileSync(join(this.dir, name), "utf8");
  }

  /** Runs `tofu ARGS -no-color` (or `terraform`) here; never throws for a non-zero exit. */
  run(args: string[], env: Record<string, string | undefined> = {}): Promise<TofuResult> {
    return new Promise((resolve) => {
      execFile(
        TF_CLI.bin,
        [...args, "-no-color"],
        { cwd: this.dir, env: runEnv({ ...this.env, ...env }), maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? ((err as { code?: number }).code ?? 1) : 0;
          resolve({ code: typeof code === "number" ? code : 1, stdout, stderr, output: stdout + stderr });
        },
      );
    });
  }

  /** Runs a command that must succeed; fails with its output otherwise. */
  async ok(args: string[], env: Record<string, string | undefined> = {}): Promise<TofuResult> {
    const r = await this.run(args, env);
    if (r.code !== 0) throw new Error(`${TF_CLI.command} ${args.join(" ")} exited ${r.code}:\n${r.output}`);
    return r;
  }

  /** `tofu init` from the mirror. */
  init(): Promise<TofuResult> {
    return this.ok(["init", "-input=false"]);
  }

  /** `tofu plan -detailed-exitcode`: 0 no changes, 2 changes, 1 an error. */
  planCode(args: string[] = []): Promise<TofuResult> {
    return this.run(["plan", "-input=false", "-detailed-exitcode", ...args]);
  }

  apply(args: string[] = []): Promise<TofuResult> {
    return this.ok(["apply", "-input=false", "-auto-approve", ...args]);
  }

  /** The state file's text. */
  stateText(): string {
    return this.read("terraform.tfstate");
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The `terraform {}` and `provider {}` blocks every test configuration starts with. */
export const PROVIDER_TF = `terraform {
  required_providers {
    agentalias = { source = "agent-alias/agentalias" }
  }
}

variable "api_url" { type = string }

provider "agentalias" {
  api_url = var.api_url
}
`;
