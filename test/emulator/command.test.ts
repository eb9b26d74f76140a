/**
 * `agent-alias emulator`: the URL on the first stdout line, flags, seed files, exit codes,
 * and a clean stop on SIGINT/SIGTERM. In process (the TypeScript sources, server on the
 * calling thread) and as a real process (the built entry, server on its own worker thread).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { EMULATOR_YOUNG_GENERATION_MB } from "../../src/emulator/thread.js";
import { buildEmulatorEntry, callJson, runEmulatorInProcess, spawnEmulator } from "../helpers/emulator.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/seed/${name}`, import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const run = runEmulatorInProcess;

describe("runEmulatorCommand", () => {
  it("prints the URL first, serves the seed, and stops with exit code 0", async () => {
    const cmd = run(["--port", "0", "--api-key", "k", "--seed", fixture("walkthrough.yaml")]);
    const url = await Promise.race([cmd.url, cmd.exit.then((c) => `exited ${c}: ${cmd.err()}`)]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const alias = await callJson(url, "GET", "/v2/agent_aliases/support", undefined, { "x-api-key": "k" });
    expect(alias.body.name).toBe("Customer Support");
    expect((await callJson(url, "GET", "/v2/agents", undefined, { "x-api-key": "wrong" })).status).toBe(401);
    cmd.stop();
    expect(await cmd.exit).toBe(0);
    expect(cmd.out()).toBe(`${url}\n`);
    expect(cmd.err()).toMatch(/stopping/);
    await expect(fetch(`${url}/_emulator/health`)).rejects.toThrow();
  });

  it("takes the API key from AGENT_ALIAS_API_KEY", async () => {
    const cmd = run(["--port", "0"], { AGENT_ALIAS_API_KEY: "env-key" });
    const url = await cmd.url;
    try {
      expect((await callJson(url, "GET", "/v2/agents", undefined, { "x-api-key": "env-key" })).status).toBe(
        200,
      );
      expect((await callJson(url, "GET", "/v2/agents", undefined, { "x-api-key": "other" })).status).toBe(
        401,
      );
    } finally {
      cmd.stop();
      await cmd.exit;
    }
  });

  it("--faults applies from the start", async () => {
    const cmd = run(["--port", "0", "--faults", "rate=1,status=429"]);
    const url = await cmd.url;
    try {
      expect((await callJson(url, "GET", "/v2/agents", undefined, { "x-api-key": "x" })).status).toBe(429);
    } finally {
      cmd.stop();
      await cmd.exit;
    }
  });

  it("a seed given again over --data creates nothing twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agent-alias-seed-"));
    dirs.push(dir);
    const args = ["--port", "0", "--data", join(dir, "s.jsonl"), "--seed", fixture("canary.json")];
    for (let i = 0; i < 2; i++) {
      const cmd = run(args);
      const url = await cmd.url;
      const list = await callJson(url, "GET", "/v2/agent_aliases", undefined, { "x-api-key": "x" });
      expect(list.body.aliases.map((a: { key: string }) => a.key)).toEqual(["support"]);
      cmd.stop();
      expect(await cmd.exit).toBe(0);
    }
  });

  it("--help prints the usage and exits 0", async () => {
    const cmd = run(["--help"]);
    expect(await cmd.exit).toBe(0);
    expect(cmd.out()).toMatch(/^Usage: agent-alias emulator/);
  });

  it("exit code 2 for bad flags, seeds and fault specs, with the reason on stderr", async () => {
    const cases: [string[], RegExp][] = [
      [["--port", "http"], /--port must be an integer from 0 to 65535; got 'http'/],
      [["--port", "70000"], /--port must be an integer/],
      [["--bogus"], /Unknown option '--bogus'/],
      [["extra"], /unexpected argument 'extra'/],
      [
        ["--port", "0", "--seed", fixture("invalid.yaml")],
        /aliases\[0\]: Alias references unknown agent\(s\): \[support-v9\]/,
      ],
      [["--port", "0", "--seed", fixture("missing.yaml")], /cannot read/],
      [["--port", "0", "--faults", "rate=2"], /faults: rate: must be a number from 0 to 1/],
      [["--body-limit", "0"], /--body-limit must be an integer/],
    ];
    for (const [argv, message] of cases) {
      const cmd = run(argv);
      expect(await cmd.exit, argv.join(" ")).toBe(2);
      expect(cmd.err()).toMatch(message);
      expect(cmd.out()).toBe("");
    }
  });

  it("exit code 1 when the port is taken", async () => {
    const first = run(["--port", "0"]);
    const url = await first.url;
    try {
      const second = run(["--port", new URL(url).port]);
      expect(await second.exit).toBe(1);
      expect(second.err()).toMatch(/EADDRINUSE/);
    } finally {
      first.stop();
      await first.exit;
    }
  });
});

describe("as a process", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops cleanly on ${signal} with exit code 0`, async () => {
      const p = await spawnEmulator(["--port", "0", "--seed", fixture("canary.json")]);
      try {
        expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const body = { metadata: { user_id: "u1" } };
        const s = await callJson(p.url, "POST", "/v2/agent_aliases/support/sessions", body, {
          "x-api-key": "x",
        });
        expect(s.status).toBe(201);
        p.child.kill(signal);
        expect(await p.exited).toBe(0);
        expect(p.stderr()).toMatch(new RegExp(`${signal}, stopping`));
      } finally {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      }
    });
  }

  it("serves from its own thread, with the young generation capped; a second Ctrl-C changes nothing", async () => {
    const p = await spawnEmulator(["--port", "0"]);
    try {
      const mem = await callJson(p.url, "GET", "/_emulator/memory", undefined, { "x-api-key": "x" });
      expect(mem.status).toBe(200);
      expect(mem.body).toMatchObject({
        thread: "worker",
        young_generation_limit_mb: EMULATOR_YOUNG_GENERATION_MB,
        after_gc: false,
      });
      expect(mem.body.rss).toBeGreaterThan(mem.body.heap_used);
      const gc = await callJson(p.url, "GET", "/_emulator/memory?gc=true", undefined, { "x-api-key": "x" });
      expect(gc.status).toBe(400);
      expect(gc.body.messages).toEqual(["gc: a full GC needs the emulator's Node started with --expose-gc"]);
      p.child.kill("SIGINT");
      p.child.kill("SIGINT");
      expect(await p.exited).toBe(0);
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    }
  });

  it("exit codes cross the thread: 2 for a bad seed or fault spec, 1 for a taken port", async () => {
    const main = await buildEmulatorEntry();
    const runMain = (args: string[]) =>
      spawnSync(process.execPath, [main, ...args], { encoding: "utf8", timeout: 60_000 });
    const badSeed = runMain(["--port", "0", "--seed", fixture("invalid.yaml")]);
    expect(badSeed.status).toBe(2);
    expect(badSeed.stderr).toMatch(/aliases\[0\]: Alias references unknown agent\(s\): \[support-v9\]/);
    const badFaults = runMain(["--port", "0", "--faults", "rate=2"]);
    expect(badFaults.status).toBe(2);
    expect(badFaults.stderr).toMatch(/faults: rate: must be a number from 0 to 1/);
    const first = await spawnEmulator(["--port", "0"]);
    try {
      const taken = runMain(["--port", new URL(first.url).port]);
      expect(taken.status).toBe(1);
      expect(taken.stderr).toMatch(/EADDRINUSE/);
    } finally {
      first.child.kill("SIGTERM");
      await first.exited;
    }
  });
});
