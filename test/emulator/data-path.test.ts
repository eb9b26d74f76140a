/**
 * A `--data` path that cannot be a data file (a folder, a path in a missing folder or under a
 * file, no permission, a read-only file system): exit 2 with one line naming the path and
 * saying what is wrong, not a raw errno and exit 1.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emulatorCommandOutcome } from "../helpers/emulator.js";

const dirs: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) execFileSync("umount", ["-l", m]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-data-path-"));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

/** Runs `emulator --port 0 --data PATH` in process; stops it at once if it starts. */
async function run(path: string): Promise<{ code: number; err: string }> {
  return emulatorCommandOutcome(["--port", "0", "--data", path]);
}

const root = process.getuid?.() === 0;
/** Runs `fn` as an unprivileged user: root reads and writes anything, whatever the modes say. */
async function unprivileged<T>(fn: () => Promise<T>): Promise<T> {
  if (!root) return fn();
  process.seteuid!(65534);
  try {
    return await fn();
  } finally {
    process.seteuid!(0);
  }
}

describe("--data paths that cannot be a data file: exit 2, naming the path", () => {
  it("a folder", async () => {
    const dir = folder();
    const r = await run(dir);
    expect(r).toEqual({ code: 2, err: `agent-alias emulator: --data ${dir}: is a folder, not a file\n` });
  });

  it("a path in a folder that does not exist", async () => {
    const missing = join(folder(), "nowhere");
    const path = join(missing, "state.jsonl");
    const r = await run(path);
    expect(r).toEqual({
      code: 2,
      err: `agent-alias emulator: --data ${path}: the folder ${missing} does not exist\n`,
    });
    expect(existsSync(missing)).toBe(false);
  });

  it("a path under a file", async () => {
    const file = join(folder(), "plain");
    writeFileSync(file, "x");
    const path = join(file, "state.jsonl");
    const r = await run(path);
    expect(r).toEqual({ code: 2, err: `agent-alias emulator: --data ${path}: ${file} is not a folder\n` });
  });

  it("a folder it may not write in (the lock file goes there)", async () => {
    const dir = folder();
    chmodSync(dir, 0o555);
    const path = join(dir, "state.jsonl");
    const r = await unprivileged(() => run(path));
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `agent-alias emulator: --data ${path}: no permission to create files in the folder ${dir} (EACCES); its lock file ${path}.lock goes there\n`,
    );
  });

  it("a data file it may not read", async () => {
    const dir = folder();
    chmodSync(dir, 0o777);
    const path = join(dir, "state.jsonl");
    writeFileSync(path, '{"format":"agent-alias-emulator","version":2}\n');
    chmodSync(path, 0o600);
    if (!root) chmodSync(path, 0o000);
    const r = await unprivileged(() => run(path));
    expect(r).toEqual({
      code: 2,
      err: `agent-alias emulator: --data ${path}: no permission to open ${path} (EACCES)\n`,
    });
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it.skipIf(!root)("a read-only file system", async () => {
    const dir = folder();
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=16k", "tmpfs", dir]);
    mounts.push(dir);
    const path = join(dir, "state.jsonl");
    const r = await run(path);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `agent-alias emulator: --data ${path}: no permission to create files in the folder ${dir} (EROFS: a read-only file system); its lock file ${path}.lock goes there\n`,
    );
  });

  it("a good path still works, creating the file and removing its lock on stop", async () => {
    const path = join(folder(), "state.jsonl");
    const r = await run(path);
    expect(r.code).toBe(0);
    expect(existsSync(path)).toBe(true);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
