import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdtempSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { expectExitsWhenHostDies } from "../helpers/orphan.js";
import { LAUNCHER, type Plugin, startPlugin } from "../helpers/plugin.js";

// How the launcher finds Node.js and starts the plugin as the engine starts it: from a link
// (npm's node_modules/.bin, a folder on PATH), with the engine's flags before its address.
const tmp = mkdtempSync(join(tmpdir(), "agent-alias-launcher-"));
const started: Plugin[] = [];
afterAll(async () => {
  for (const p of started) await p.close();
  rmSync(tmp, { recursive: true, force: true });
});

const BUNDLED_NODE = realpathSync(join(REPO, "node_modules/node/bin/node"));
/** A PATH without this test's Node.js 24 on it: the machine's own, Node 20 on this project's machines. */
const SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

function nodeMajorOn(path: string): number | undefined {
  const r = spawnSync("node", ["-p", "process.versions.node"], { env: { PATH: path }, encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.split(".")[0]) : undefined;
}
const systemNodeTooOld = (nodeMajorOn(SYSTEM_PATH) ?? 0) < 22;

const start = async (...args: Parameters<typeof startPlugin>) => {
  const p = await startPlugin(...args);
  started.push(p);
  return p;
};

describe("bin/pulumi-resource-agent-alias", () => {
  it("takes the engine's flags and address, and prints the port first", async () => {
    const p = await start({}, ["--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:1", "127.0.0.1:1"]);
    expect(await p.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("runs from a link to it, as npm installs it in node_modules/.bin", async () => {
    const link = join(tmp, "pulumi-resource-agent-alias");
    symlinkSync(LAUNCHER, link);
    const p = await start({}, ["127.0.0.1:1"], link);
    expect(await p.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.runIf(systemNodeTooOld)(
    "falls back to the npm node package when the node on PATH is older than 22",
    async () => {
      const p = await start({ PATH: SYSTEM_PATH });
      expect(readlinkSync(`/proc/${p.child.pid}/exe`)).toBe(BUNDLED_NODE);
      expect(await p.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
    },
  );

  it("refuses a PULUMI_NODEJS_NODE that is not Node.js 22.19 or newer, and prints nothing on stdout", () => {
    expectRefused(script("old-node", "#!/bin/sh\nexit 1\n"));
  });
});

/** An executable shell script in the test's folder. */
function script(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

/** The launcher, given `node` as PULUMI_NODEJS_NODE, refuses it: exit 1, nothing on stdout, one line. */
function expectRefused(node: string): void {
  const r = spawnSync(LAUNCHER, ["127.0.0.1:1"], {
    env: { ...process.env, PULUMI_NODEJS_NODE: node },
    encoding: "utf8",
  });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(
    `pulumi-resource-agent-alias: PULUMI_NODEJS_NODE=${node} is not Node.js 22.19 or newer\n`,
  );
}

describe("the launcher's Node.js check is bin/node-version.js's", () => {
  it("refuses a real Node that reports 22.18.0 (undici needs 22.19), naming the version needed", () => {
    const preload = join(tmp, "node-22-18.mjs");
    writeFileSync(preload, 'Object.defineProperty(process.versions, "node", { value: "22.18.0" });\n');
    expectRefused(script("node-22-18", `#!/bin/sh\nexec "${process.execPath}" --import "${preload}" "$@"\n`));
  });
});

describe("a plugin whose engine dies", () => {
  it("exits instead of lingering (the engine could not kill it)", async () => {
    // sh (the "engine") starts the launcher, waits until the plugin prints its port (it is up),
    // and dies without killing it: the plugin is re-parented.
    await expectExitsWhenHostDies(`"${LAUNCHER}" 127.0.0.1:1`, tmp);
  }, 60_000);
});
