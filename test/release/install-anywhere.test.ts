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
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, lstatSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pluginArchive } from "../../release/artifacts.ts";
import { PLUGIN_EXECUTABLE, platformPackage } from "../../src/cli/plugin.js";
import { GO_MODULE } from "../../src/native/schema.js";
import { REPO } from "../helpers/cli.js";
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
});
