/**
 * What `PULUMI_SKIP_CHECKPOINTS=true` costs a large stack, under the real engine: the state is
 * written once, at the end of an update, so an `up` killed with -9 halfway keeps none of its
 * steps, while the API holds the aliases it had created. Once `pulumi cancel` has let go of
 * the killed run's lock, the next `up` must converge: each alias it meets is identical to what
 * it declares, so it is taken as the update's own lost create (no `adopt`, no duplicate, no
 * error), and a further `up` changes nothing.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Policy } from "../../src/policy/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type GateProxy, startGateProxy } from "../helpers/gate-proxy.js";
import { manyAliasesPolicy } from "../helpers/policies.js";
import { PULUMI, TestStack } from "../helpers/pulumi.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const PROGRAM = `${REPO}test/fixtures/programs/many-aliases`;
const KEY = "skip-checkpoints-key";
const COUNT = 40;
const SKIP = { PULUMI_SKIP_CHECKPOINTS: "true" };

const policyOf = manyAliasesPolicy;

/**
 * Every process descended from `root`, by parent pid from /proc. The engine starts its
 * plugins in process groups of their own, so killing the CLI's group leaves them running.
 */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {}
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0)
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  return out;
}

describe("kill -9 of an up with PULUMI_SKIP_CHECKPOINTS=true", () => {
  let emu: TestEmulator;
  let proxy: GateProxy;
  let stack: TestStack;
  const aliases = async (): Promise<{ key: string; policy: Policy }[]> => {
    const out: { key: string; policy: Policy }[] = [];
    let page = "";
    for (;;) {
      const r = await emu.call("GET", `/v2/agent_aliases?limit=100${page}`);
      out.push(...r.body.aliases);
      if (!r.body.metadata.page_key) return out;
      page = `&page_key=${encodeURIComponent(r.body.metadata.page_key)}`;
    }
  };
  const stateAliases = () =>
    (JSON.parse(stack.stateText()).checkpoint.latest?.resources ?? []).filter((r: { type: string }) =>
      r.type.endsWith("agent-alias:Alias"),
    ).length;

  beforeAll(async () => {
    emu = await startTestEmulator({ apiKey: KEY });
    for (const key of ["agent-a", "agent-b"]) await emu.call("POST", "/v2/agents", { key, name: key });
    proxy = await startGateProxy(emu.url);
    stack = new TestStack(PROGRAM, "skipcrash", SKIP);
    await stack.init(
      { "agent-alias:apiUrl": proxy.url, count: String(COUNT), prefix: "crash" },
      { "agent-alias:apiKey": KEY },
    );
  });
  afterAll(async () => {
    await emu?.call("PUT", "/_emulator/faults", {});
    await stack?.dispose();
    await proxy?.close();
    await emu?.close();
  });

  it("the next up takes the aliases it had created as its own: exactly the declared ones, no error", async () => {
    // Slow calls, so the kill lands in the middle of the creates.
    await emu.call("PUT", "/_emulator/faults", { latency_ms: 300, latency_rate: 1 });
    const child = spawn(
      PULUMI,
      [
        "up",
        "--yes",
        "--parallel",
        "4",
        "--stack",
        "skipcrash",
        "--non-interactive",
        "--config-file",
        stack.configFile,
      ],
      {
        cwd: PROGRAM,
        detached: true,
        stdio: "ignore",
        env: {
          ...process.env,
          PULUMI_BACKEND_URL: `file://${stack.backend}`,
          PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          ...SKIP,
        },
      },
    );
    const exited = new Promise<string>((resolve) =>
      child.once("exit", (code, signal) => resolve(String(signal ?? code))),
    );
    // Wait for a quarter of the aliases to exist, then kill the CLI and every process it started.
    for (let i = 0; i < 600 && (await aliases()).length < COUNT / 4; i++)
      await new Promise((r) => setTimeout(r, 100));
    const tree = descendants(child.pid!);
    process.kill(-child.pid!, "SIGKILL");
    for (const pid of tree)
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    expect(await exited).toBe("SIGKILL");
    await emu.call("PUT", "/_emulator/faults", {});

    const created = (await aliases()).length;
    expect(created).toBeGreaterThanOrEqual(COUNT / 4);
    expect(created).toBeLessThan(COUNT);
    // Nothing of the killed update reached the state.
    expect(stateAliases()).toBe(0);

    // A killed CLI leaves its lock on the stack (any backend, checkpoints or not): `pulumi
    // cancel` lets it go, as the CLI's own message says.
    const locked = await stack.run(["up", "--yes"]);
    expect(locked.code).not.toBe(0);
    expect(locked.output).toContain("the stack is currently locked");
    await stack.ok(["cancel", "--yes"]);
    const next = await stack.run(["up", "--yes"]);
    expect(next.code, next.output).toBe(0);
    expect(next.output).not.toMatch(/error|already exists|adopt/i);
    const after = await aliases();
    expect(after.map((a) => a.key).sort()).toEqual(
      Array.from({ length: COUNT }, (_, i) => `crash-${i}`).sort(),
    );
    for (const a of after) expect(a.policy).toEqual(policyOf(Number(a.key.split("-")[1])));
    expect(stateAliases()).toBe(COUNT);

    proxy.seen.length = 0;
    const again = await stack.ok(["up", "--yes"]);
    expect(again.output).toMatch(new RegExp(`${COUNT + 1} unchanged`));
    expect(proxy.seen.filter((c) => !c.startsWith("GET"))).toEqual([]);
  });
});
