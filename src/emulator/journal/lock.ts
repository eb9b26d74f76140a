/**
 * One emulator per data file. Node has no flock, so a lock file beside it, FILE.lock, is
 * created exclusively ("wx") and holds {pid, host, started_at, token}; close removes it. A
 * start that finds it refuses, naming the holder, unless the holder is on this host and its
 * pid no longer runs (kill -9, a crash): then it takes the lock over and says so. A lock from
 * another host (a shared folder) cannot be checked from here: it must be removed by hand.
 */
import { randomUUID } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { checkDataPath, dataFileError, JournalError } from "./errors.js";
import { writeAllSync } from "./files.js";

interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  token: string;
}

/** Whether a process with this pid runs on this host (EPERM: it does, as another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLockInfo(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8")) as Partial<LockInfo>;
    return Number.isInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === "string"
      ? (v as LockInfo)
      : undefined;
  } catch {
    return undefined;
  }
}

/** How long an unreadable lock file (a start that died between creating and writing it) is respected. */
const UNREADABLE_LOCK_MS = 10_000;

/** The data file's lock (FILE.lock), held from start to close. */
export class DataFileLock {
  private released = false;

  private constructor(
    /** The lock file. */
    readonly path: string,
    private readonly token: string,
  ) {}

  /**
   * Takes the lock of data file `dataFile` (checking the path first): refuses with a
   * JournalError `data_file_locked` naming the holder while another emulator runs on it,
   * and takes over a stale lock (its pid gone, on this host), saying so with `log`.
   */
  static acquire(dataFile: string, log: (line: string) => void = () => {}): DataFileLock {
    checkDataPath(dataFile);
    const path = `${dataFile}.lock`;
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      started_at: new Date().toISOString(),
      token: randomUUID(),
    };
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, "wx", 0o644);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
          throw new JournalError(
            `data file ${dataFile}: no permission to create files in the folder ${dirname(dataFile)} ` +
              `(${code === "EROFS" ? "EROFS: a read-only file system" : code}); its lock file ${path} goes there`,
          );
        }
        if (code !== "EEXIST") throw dataFileError(e, dataFile, `creating ${path}`);
        if (attempt >= 5) throw DataFileLock.held(dataFile, path, readLockInfo(path));
        DataFileLock.takeOverIfStale(dataFile, path, log);
        continue;
      }
      try {
        writeAllSync(fd, Buffer.from(`${JSON.stringify(info)}\n`));
        fsyncSync(fd);
      } catch (e) {
        closeSync(fd);
        unlinkSync(path);
        throw dataFileError(e, dataFile, `writing ${path}`);
      }
      closeSync(fd);
      return new DataFileLock(path, info.token);
    }
  }

  private static held(dataFile: string, path: string, holder: LockInfo | undefined): JournalError {
    const who =
      holder === undefined
        ? "another emulator (its lock file cannot be read yet)"
        : `another emulator: pid ${holder.pid} on host ${holder.host}, since ${holder.started_at}`;
    const hint =
      holder !== undefined && holder.host !== hostname()
        ? `; that host's processes cannot be checked from here: if it no longer runs, remove ${path}`
        : `; stop it first (or, if it no longer runs, remove ${path})`;
    return new JournalError(
      `data file ${dataFile} is in use by ${who} (lock file ${path})${hint}`,
      "data_file_locked",
    );
  }

  /** Removes the lock at `path` if its holder is gone (else throws `held`). */
  private static takeOverIfStale(dataFile: string, path: string, log: (line: string) => void): void {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // released meanwhile: try again
      throw dataFileError(e, dataFile, `reading ${path}`);
    }
    let seen: Stats;
    try {
      seen = fstatSync(fd);
    } finally {
      closeSync(fd);
    }
    const holder = readLockInfo(path);
    if (holder === undefined) {
      if (Date.now() - seen.mtimeMs < UNREADABLE_LOCK_MS) throw DataFileLock.held(dataFile, path, holder);
    } else if (holder.host !== hostname() || pidAlive(holder.pid)) {
      throw DataFileLock.held(dataFile, path, holder);
    }
    // Move it aside, then make sure it is the one judged stale: another start may have
    // taken it over and made its own meanwhile.
    const aside = `${path}.stale-${process.pid}-${randomUUID().slice(0, 8)}`;
    try {
      renameSync(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw dataFileError(e, dataFile, `taking over ${path}`);
    }
    const moved = statSync(aside);
    if (moved.ino !== seen.ino || moved.dev !== seen.dev) {
      const other = readLockInfo(aside);
      try {
        linkSync(aside, path); // put it back (fails if yet another start locked meanwhile)
      } catch {
        // that one holds it now
      }
      unlinkSync(aside);
      throw DataFileLock.held(dataFile, path, other);
    }
    unlinkSync(aside);
    log(
      holder === undefined
        ? `data file ${dataFile}: took over the unreadable lock file ${path}, left ${Math.round((Date.now() - seen.mtimeMs) / 1000)} s ago`
        : `data file ${dataFile}: took over the lock of pid ${holder.pid} (host ${holder.host}, started ${holder.started_at}), which no longer runs`,
    );
  }

  /** Removes the lock file if it is still this one. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readLockInfo(this.path)?.token !== this.token) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
