/**
 * One emulator per data file: `FILE.lock` (journal/lock.ts). A second start is refused (exit 2)
 * naming the file and the holder; after the first closes a start succeeds; a stale lock (its
 * pid gone) is taken over with a diagnostic, as after kill -9 of an emulator process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JournalError, startEmulator } from "../../src/emulator/index.js";
import { buildEmulatorEntry, callJson, runEmulatorInProcess, spawnEmulator } from "../helpers/emulator.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-lock-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}

/** A pid that ran on this host and no longer does. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

const run = (argv: string[]) => runEmulatorInProcess(argv);

describe("the data file's lock", () => {
  it("refuses a second emulator on the same file, naming the file and the holder; exit 2", async () => {
    const file = dataFile();
    const first = await startEmulator({ port: 0, dataFile: file });
    try {
      expect(existsSync(`${file}.lock`)).toBe(true);
      const lock = JSON.parse(readFileSync(`${file}.lock`, "utf8"));
      expect(lock).toMatchObject({ pid: process.pid, host: hostname() });
      const second = startEmulator({ port: 0, dataFile: file });
      await expect(second).rejects.toBeInstanceOf(JournalError);
      await expect(second).rejects.toMatchObject({ code: "data_file_locked" });
      await expect(second).rejects.toThrow(
        `data file ${file} is in use by another emulator: pid ${process.pid}`,
      );
      await expect(second).rejects.toThrow(`on host ${hostname()}`);

      const cmd = run(["--port", "0", "--data", file]);
      expect(await cmd.exit).toBe(2);
      expect(cmd.err()).toContain(
        `agent-alias emulator: --data ${file} is in use by another emulator: pid ${process.pid}`,
      );
      expect(cmd.err()).toContain(`${file}.lock`);
      // The refused starts left the holder's lock and data alone.
      expect(JSON.parse(readFileSync(`${file}.lock`, "utf8"))).toEqual(lock);
      expect(
        (await callJson(first.url, "POST", "/v2/agents", { key: "a", name: "A" }, { "x-api-key": "k" }))
          .status,
      ).toBe(201);
    } finally {
      await first.close();
    }
    // Closed: the lock is gone, and a start succeeds and sees the data.
    expect(existsSync(`${file}.lock`)).toBe(false);
    const cmd = run(["--port", "0", "--data", file]);
    const url = await cmd.url;
    expect((await callJson(url, "GET", "/v2/agents/a", undefined, { "x-api-key": "k" })).status).toBe(200);
    cmd.stop();
    expect(await cmd.exit).toBe(0);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("takes over a stale lock (its pid no longer runs on this host) and says so", async () => {
    const file = dataFile();
    const pid = deadPid();
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid, host: hostname(), started_at: "2026-01-01T00:00:00.000Z", token: "old" }),
    );
    const logs: string[] = [];
    const em = await startEmulator({ port: 0, dataFile: file, log: (l) => logs.push(l) });
    try {
      expect(logs.join("\n")).toContain(`took over the lock of pid ${pid}`);
      expect(JSON.parse(readFileSync(`${file}.lock`, "utf8")).pid).toBe(process.pid);
    } finally {
      await em.close();
    }
  });

  it("refuses a lock held from another host (it cannot be checked from here)", async () => {
    const file = dataFile();
    const pid = deadPid();
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ pid, host: "elsewhere.example", started_at: "2026-01-01T00:00:00.000Z", token: "x" }),
    );
    await expect(startEmulator({ port: 0, dataFile: file })).rejects.toThrow(
      new RegExp(`pid ${pid} on host elsewhere\\.example.*remove ${file.replace(/[.]/g, "\\.")}\\.lock`),
    );
  });

  describe("between processes", () => {
    beforeAll(async () => {
      await buildEmulatorEntry();
    });

    it("a second process exits 2; after kill -9 of the first, the next start takes its lock over", async () => {
      const file = dataFile();
      const first = await spawnEmulator(["--port", "0", "--data", file, "--api-key", "k"]);
      try {
        expect(
          (await callJson(first.url, "POST", "/v2/agents", { key: "a", name: "A" }, { "x-api-key": "k" }))
            .status,
        ).toBe(201);
        const holder = JSON.parse(readFileSync(`${file}.lock`, "utf8"));
        expect(holder.pid).toBe(first.child.pid);
        await expect(spawnEmulator(["--port", "0", "--data", file])).rejects.toThrow(
          new RegExp(
            `emulator exited \\(2\\)[^]*--data ${file.replace(/[.]/g, "\\.")} is in use by another emulator: pid ${first.child.pid}`,
          ),
        );
      } finally {
        first.child.kill("SIGKILL");
        await first.exited;
      }
      // kill -9 left the lock behind; the next start finds its pid gone and takes over.
      expect(existsSync(`${file}.lock`)).toBe(true);
      const next = await spawnEmulator(["--port", "0", "--data", file, "--api-key", "k"]);
      try {
        expect(next.stderr()).toContain(`took over the lock of pid ${first.child.pid}`);
        expect(
          (await callJson(next.url, "GET", "/v2/agents/a", undefined, { "x-api-key": "k" })).status,
        ).toBe(200);
      } finally {
        next.child.kill("SIGTERM");
        await next.exited;
      }
      expect(existsSync(`${file}.lock`)).toBe(false);
    });
  });
});
