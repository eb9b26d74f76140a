/**
 * A machine as a Python, Go or YAML team has it: the Pulumi CLI and its language hosts, Go
 * (to build Go programs), and no Node.js anywhere on PATH. The CLI and hosts are linked (or
 * copied) out of the repository into a folder of their own, programs are copied to temporary
 * folders and the Pulumi home is a new one, so nothing the engine sees leads back to the
 * checkout. `lifecycle` runs a program of examples/yaml's shape there: preview, up, a stage
 * change, a clean refresh and destroy, each checked at the emulator.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { parseDocument } from "yaml";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "./cli.js";
import { startTestEmulator } from "./emulator.js";
import { TestStack } from "./pulumi.js";

const CLI_BIN = join(REPO, ".pulumi-home/versions/3.259.0/bin");
/** The examples/yaml seed: agents, the `support` alias, and the key `yaml-demo` that may write. */
export const SEED = join(REPO, "examples/yaml/seed.yaml");
export const KEY = "yaml-demo";

/** The Go the tests use (as test/native/sdk-go.test.ts finds it). */
export function goBinary(): string {
  const fromPath = (process.env.PATH ?? "")
    .split(":")
    .map((d) => join(d, "go"))
    .find((f) => existsSync(f));
  return process.env.GO ?? fromPath ?? "/usr/local/go/bin/go";
}

export interface NoNodeMachine {
  /** The folder on PATH holding `pulumi` and the language hosts. */
  bin: string;
  /** The Pulumi home (empty: install plugins into it). */
  home: string;
  /** The whole environment of every command the engine runs. */
  env: Record<string, string>;
  /** A new temporary folder. */
  scratch(name: string): string;
  dispose(): void;
}

export function noNodeMachine(extra: Record<string, string> = {}): NoNodeMachine {
  const root = mkdtempSync(join(tmpdir(), "agent-alias-no-node-"));
  const bin = join(root, "bin");
  const home = join(root, "pulumi-home");
  mkdirSync(bin);
  mkdirSync(home);
  for (const tool of ["pulumi", "pulumi-language-yaml", "pulumi-language-python", "pulumi-language-go"]) {
    try {
      linkSync(join(CLI_BIN, tool), join(bin, tool));
    } catch {
      copyFileSync(join(CLI_BIN, tool), join(bin, tool));
    }
  }
  const env: Record<string, string> = {
    PATH: `${bin}:${dirname(goBinary())}`,
    HOME: process.env.HOME ?? root,
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    PULUMI_HOME: home,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
    ...extra,
  };
  // The premise, checked: no `node` can be found from this environment.
  const found = (() => {
    try {
      return execFileSync("/bin/sh", ["-c", "command -v node"], { env, encoding: "utf8" });
    } catch {
      return "";
    }
  })();
  expect(found, "a node is on the PATH of the no-Node machine").toBe("");
  let n = 0;
  return {
    bin,
    home,
    env,
    scratch: (name) => {
      const dir = join(root, `${name}-${n++}`);
      mkdirSync(dir);
      return dir;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Runs `pulumi` of the machine (plugin install and the like) and returns its stdout. */
export function machinePulumi(m: NoNodeMachine, args: string[]): string {
  return execFileSync(join(m.bin, "pulumi"), args, {
    env: m.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** examples/yaml copied into `dir` without its `plugins:` entry (the checkout's launcher). */
export function copyYamlExample(dir: string): string {
  const doc = parseDocument(readFileSync(join(REPO, "examples/yaml/Pulumi.yaml"), "utf8"));
  doc.delete("plugins");
  writeFileSync(join(dir, "Pulumi.yaml"), doc.toString());
  return dir;
}

/** A test program of test/fixtures/programs copied into `dir`. */
export function copyProgram(name: string, dir: string): string {
  cpSync(join(REPO, "test/fixtures/programs", name), dir, { recursive: true });
  return dir;
}

const weights = async (client: AgentAliasClient) => {
  const targets = (await client.getAlias("chat")).policy.rules[0]!.targets;
  return targets.type === "weighted" ? targets.options.map((o) => o.weight) : [];
};

/**
 * preview (nothing written), up (chat at 95/5, support's policy taken over), a stage change
 * (preview shows the weights, up applies 80/20), refresh with no change, destroy (chat gone,
 * support's policy back): the program in `dir` on the machine, against a new emulator.
 */
export async function lifecycle(m: NoNodeMachine, dir: string): Promise<void> {
  const emu = await startTestEmulator({ seed: SEED });
  const client = new AgentAliasClient({ baseUrl: emu.url, apiKey: KEY, env: {} });
  const stack = new TestStack(dir, "dev", {}, { pulumi: join(m.bin, "pulumi"), baseEnv: m.env });
  try {
    await stack.init({ apiUrl: emu.url }, { apiKey: KEY });
    const preview = await stack.ok(["preview"]);
    expect(preview.output).toMatch(/\+ +agent-alias:index:Alias +chat +create/);
    await expect(client.getAlias("chat")).rejects.toMatchObject({ code: "not_found" });

    await stack.ok(["up", "--yes"]);
    expect(await weights(client)).toEqual([95, 5]);
    expect((await client.getAlias("support")).policy.rules).toHaveLength(2);
    expect(stack.stateText()).not.toContain(KEY);

    await stack.ok(["config", "set", "canaryStage", "canary-20"]);
    const change = await stack.ok(["preview", "--diff"]);
    expect(change.stdout).toMatch(/~ weight: 95 => 80/);
    expect(change.stdout).toMatch(/~ weight: 5 => 20/);
    await stack.ok(["up", "--yes"]);
    expect(await weights(client)).toEqual([80, 20]);

    await stack.ok(["refresh", "--yes", "--expect-no-changes"]);

    await stack.ok(["destroy", "--yes"]);
    await expect(client.getAlias("chat")).rejects.toMatchObject({ code: "not_found" });
    expect((await client.getAlias("support")).policy.rules).toEqual([
      { targets: { type: "single", agent_key: "support-v1" } },
    ]);
  } finally {
    await stack.dispose();
    await emu.close();
  }
}
