/**
 * Install anywhere, as a YAML, Python or Go team would: on a machine with no Node.js on PATH
 * and nothing of the checkout in the engine's sight (test/helpers/no-node.ts), the release's
 * linux-amd64 plugin archive is installed with `pulumi plugin install ... --file`; then
 * examples/yaml, a Python program over the release's wheel and a Go program over the
 * release's Go module (through its module-proxy folder) each run preview, up, a stage change,
 * a clean refresh and destroy against the emulator, under the real CLI and this project's
 * language hosts. And `agent-alias plugin install` lasts: from a project that installed the
 * release's npm package (with its platform package, as npm does on linux x64) it copies the
 * executable into a new Pulumi home; the project is deleted, and examples/yaml still runs.
 * Terraform's door the same way, under OpenTofu and under HashiCorp Terraform: `tofu init`
 * (`terraform init`) from a packed filesystem mirror holding the release's linux_amd64 zip, then examples/terraform/quickstart applied, moved a stage, planned
 * clean and destroyed, with no Node.js; and `plugin install --terraform` from the npm project
 * copies the self-contained executable into a mirror that outlives the project.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pluginArchive, terraformFiles } from "../../release/artifacts.ts";
import { PLUGIN_EXECUTABLE, platformPackage, TERRAFORM_EXECUTABLE } from "../../src/cli/plugin.js";
import { AgentAliasClient } from "../../src/client/index.js";
import { GO_MODULE } from "../../src/native/schema.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator } from "../helpers/emulator.js";
import {
  copyProgram,
  copyYamlExample,
  goBinary,
  lifecycle,
  machinePulumi,
  type NoNodeMachine,
  noNodeMachine,
} from "../helpers/no-node.js";
import { installTarballs } from "../helpers/npm.js";
import { RELEASE_TIMEOUT, type ReleaseBuild, releaseBuild } from "../helpers/release.js";
import { TERRAFORM, TOFU } from "../helpers/tofu.js";

vi.setConfig({ testTimeout: 900_000, hookTimeout: RELEASE_TIMEOUT });

const PULUMI_SDK = (
  JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> }
).dependencies["@pulumi/pulumi"]!;
const PIP_CACHE = join(REPO, ".pulumi-home/pip-cache");

let release: ReleaseBuild;
let machine: NoNodeMachine;
let fromNpm: NoNodeMachine;

beforeAll(async () => {
  release = await releaseBuild();
  machine = noNodeMachine();
  fromNpm = noNodeMachine();
  const archive = release.file(pluginArchive(PLUGIN_EXECUTABLE, release.version, "linux", "amd64"));
  machinePulumi(machine, [
    "plugin",
    "install",
    "resource",
    "agent-alias",
    release.version,
    "--file",
    archive,
  ]);
});
afterAll(() => {
  machine?.dispose();
  fromNpm?.dispose();
});

describe("with no Node.js, the plugin installed from the release archive", () => {
  it("pulumi plugin ls lists it at the release's version", () => {
    const plugins = JSON.parse(machinePulumi(machine, ["plugin", "ls", "--json"])) as {
      name: string;
      kind: string;
      version: string;
    }[];
    expect(plugins).toEqual([
      expect.objectContaining({ name: "agent-alias", kind: "resource", version: release.version }),
    ]);
  });

  it("examples/yaml: preview, up, a stage change, a clean refresh, destroy", async () => {
    await lifecycle(machine, copyYamlExample(machine.scratch("yaml")));
  });

  it("a Python program over the release's wheel: preview, up, a stage change, a clean refresh, destroy", async () => {
    const dir = copyProgram("python-native", machine.scratch("python"));
    const venv = join(dir, "venv");
    const env = { ...process.env, PIP_CACHE_DIR: PIP_CACHE, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
    mkdirSync(PIP_CACHE, { recursive: true });
    execFileSync("python3", ["-m", "venv", venv], { env });
    execFileSync(
      join(venv, "bin/python"),
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        release.file(`python/pulumi_agent_alias-${release.version}-py3-none-any.whl`),
        `pulumi==${PULUMI_SDK}`,
      ],
      { env, stdio: ["ignore", "ignore", "inherit"] },
    );
    await lifecycle(machine, dir);
  });

  it("a Go program over the release's Go module: preview, up, a stage change, a clean refresh, destroy", async () => {
    const dir = copyProgram("go-native", machine.scratch("go"));
    const go = goBinary();
    const goEnv = (name: string) => execFileSync(go, ["env", name], { encoding: "utf8" }).trim();
    // The module comes from the release's folder only; every other module from the local
    // module cache (itself a proxy's layout), then the configured proxy.
    const modcache = goEnv("GOMODCACHE");
    const env = {
      ...machine.env,
      GOFLAGS: "-mod=mod",
      GOPROXY: `file://${release.file("go")},file://${modcache}/cache/download,${goEnv("GOPROXY")}`,
      GONOSUMDB: GO_MODULE,
      GOSUMDB: "off",
    };
    // A module version is immutable in the module cache: drop this module's earlier downloads,
    // so what builds is this release's zip.
    for (const cached of [
      join(modcache, "github.com/pulumi-agent-alias"),
      join(modcache, "cache/download/github.com/pulumi-agent-alias"),
    ])
      execFileSync("sh", ["-c", 'chmod -R u+w "$1" 2>/dev/null; rm -rf "$1"', "sh", cached]);
    copyFileSync(join(REPO, "test/native/go-program/go.sum"), join(dir, "go.sum"));
    execFileSync(go, ["mod", "edit", `-require=${GO_MODULE}@v${release.version}`], { cwd: dir, env });
    execFileSync(go, ["mod", "tidy"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] });
    expect(readFileSync(join(dir, "go.sum"), "utf8")).toContain(`${GO_MODULE} v${release.version} h1:`);
    Object.assign(machine.env, {
      GOFLAGS: env.GOFLAGS,
      GOPROXY: env.GOPROXY,
      GONOSUMDB: env.GONOSUMDB,
      GOSUMDB: env.GOSUMDB,
    });
    await lifecycle(machine, dir);
  });
});

/** The API key of the emulator the Terraform provider talks to. */
const TOFU_KEY = "tofu-no-node-key";

/** The two CLIs, and the registry host each names `agent-alias/agentalias` by. */
const CLIS = {
  tofu: { bin: TOFU, host: "registry.opentofu.org" },
  terraform: { bin: TERRAFORM, host: "registry.terraform.io" },
} as const;
type Cli = keyof typeof CLIS;

/** A CLI config file naming `mirror` as the one place `agent-alias/agentalias` comes from. */
function mirrorConfig(m: NoNodeMachine, mirror: string): string {
  const file = join(m.scratch("tfrc"), "cli.tfrc");
  const include = Object.values(CLIS).map((c) => `${c.host}/agent-alias/agentalias`);
  writeFileSync(
    file,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ${JSON.stringify(include)}\n  }\n}\n`,
  );
  return file;
}

/** `tofu ARGS` (or `terraform`) on the machine (its PATH: no node), in `dir`. */
function machineTofu(m: NoNodeMachine, dir: string, env: Record<string, string>, args: string[], cli: Cli) {
  return new Promise<{ code: number; output: string }>((resolve) =>
    execFile(
      CLIS[cli].bin,
      [...args, "-no-color", "-input=false"],
      { cwd: dir, env: { ...m.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

/**
 * examples/terraform/quickstart on the machine with the provider from `cliConfig`'s mirror:
 * init, apply (baseline), a stage change (the weights), a clean plan, destroy.
 * Returns the provider file init installed.
 */
async function tofuLifecycle(m: NoNodeMachine, cliConfig: string, cli: Cli = "tofu"): Promise<string> {
  const emu = await startTestEmulator({
    seed: join(REPO, "examples/quickstart/seed.yaml"),
    apiKey: TOFU_KEY,
  });
  const dir = m.scratch(cli);
  copyFileSync(join(REPO, "examples/terraform/quickstart/main.tf"), join(dir, "main.tf"));
  const env = { TF_CLI_CONFIG_FILE: cliConfig, AGENT_ALIAS_API_URL: emu.url, VECTARA_API_KEY: TOFU_KEY };
  const client = new AgentAliasClient({ baseUrl: emu.url, apiKey: TOFU_KEY, env: {} });
  const ok = async (args: string[]) => {
    const r = await machineTofu(m, dir, env, args, cli);
    expect(r.code, `${cli} ${args.join(" ")}:\n${r.output}`).toBe(0);
    return r.output;
  };
  try {
    await ok(["init"]);
    await ok(["apply", "-auto-approve"]);
    expect((await client.getAlias("support")).name).toBe("Customer Support");
    await ok(["apply", "-auto-approve", "-var", "stage=canary-20"]);
    const targets = (await client.getAlias("support")).policy.rules[0]!.targets;
    expect(targets.type === "weighted" ? targets.options.map((o) => o.weight) : []).toEqual([80, 20]);
    const plan = await machineTofu(
      m,
      dir,
      env,
      ["plan", "-detailed-exitcode", "-var", "stage=canary-20"],
      cli,
    );
    expect(plan.code, plan.output).toBe(0);
    await ok(["destroy", "-auto-approve", "-var", "stage=canary-20"]);
    await expect(client.getAlias("support")).rejects.toMatchObject({ code: "not_found" });
    const installed = execFileSync(
      "find",
      [join(dir, ".terraform/providers"), "-type", "f", "-name", `${TERRAFORM_EXECUTABLE}_v*`],
      {
        encoding: "utf8",
      },
    ).trim();
    return installed;
  } finally {
    await emu.close();
  }
}

describe("with no Node.js, the Terraform provider from the release's zip in a packed mirror", () => {
  it.each(Object.keys(CLIS) as Cli[])(
    "%s init, apply, a stage change, a clean plan and destroy of examples/terraform/quickstart",
    async (cli) => {
      const mirror = machine.scratch("mirror");
      const at = join(mirror, CLIS[cli].host, "agent-alias", "agentalias");
      mkdirSync(at, { recursive: true });
      const zip = terraformFiles(TERRAFORM_EXECUTABLE, release.version).zip("linux", "amd64");
      copyFileSync(release.file(zip), join(at, zip));
      const provider = await tofuLifecycle(machine, mirrorConfig(machine, mirror), cli);
      // What ran is the self-contained executable: an ELF file, not a script.
      expect(readFileSync(provider).subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    },
  );
});

describe("agent-alias plugin install, then the project it came from deleted", () => {
  it("the plugin is a copy of the platform package's executable; stacks still work", async () => {
    const project = fromNpm.scratch("project");
    const platform = platformPackage("linux", "x64");
    // The release's tarballs are not on the registry, so the platform package is named too.
    installTarballs(project, [
      release.file(`npm/pulumi-agent-alias-${release.version}.tgz`),
      release.file(`npm/${platform}-${release.version}.tgz`),
    ]);
    const installed = execFileSync(
      join(project, "node_modules/.bin/agent-alias"),
      ["plugin", "install", "--pulumi-home", fromNpm.home],
      { cwd: project, encoding: "utf8" },
    );
    const dir = join(fromNpm.home, "plugins", `resource-agent-alias-v${release.version}`);
    expect(installed).toBe(`installed ${dir}\n`);
    const plugin = join(dir, PLUGIN_EXECUTABLE);
    expect(lstatSync(plugin).isFile()).toBe(true);
    expect(
      readFileSync(plugin).equals(readFileSync(join(project, "node_modules", platform, PLUGIN_EXECUTABLE))),
    ).toBe(true);

    rmSync(project, { recursive: true, force: true });
    const plugins = JSON.parse(machinePulumi(fromNpm, ["plugin", "ls", "--json"])) as {
      name: string;
      version: string;
    }[];
    expect(plugins).toEqual([expect.objectContaining({ name: "agent-alias", version: release.version })]);
    await lifecycle(fromNpm, copyYamlExample(fromNpm.scratch("yaml")));
  });

  it("--terraform copies the Terraform provider's executable into a mirror that outlives the project", async () => {
    const project = fromNpm.scratch("tf-project");
    const platform = platformPackage("linux", "x64");
    installTarballs(project, [
      release.file(`npm/pulumi-agent-alias-${release.version}.tgz`),
      release.file(`npm/${platform}-${release.version}.tgz`),
    ]);
    const mirror = fromNpm.scratch("tf-mirror");
    const out = JSON.parse(
      execFileSync(
        join(project, "node_modules/.bin/agent-alias"),
        ["plugin", "install", "--terraform", "--mirror", mirror, "--json"],
        { cwd: project, encoding: "utf8" },
      ),
    ) as { dirs: string[]; installed: boolean; form: string };
    expect([out.installed, out.form]).toEqual([true, "executable"]);
    const executable = readFileSync(join(project, "node_modules", platform, TERRAFORM_EXECUTABLE));
    for (const dir of out.dirs)
      expect(readFileSync(join(dir, `${TERRAFORM_EXECUTABLE}_v${release.version}`)).equals(executable)).toBe(
        true,
      );
    rmSync(project, { recursive: true, force: true });
    for (const cli of Object.keys(CLIS) as Cli[])
      await tofuLifecycle(fromNpm, mirrorConfig(fromNpm, mirror), cli);
  });
});
