/**
 * The `--data FILE` journal: every acknowledged write is on disk before its answer, and a
 * write that could not be made changes nothing.
 *
 * Format (version 2): UTF-8 JSON lines, append-only.
 *   line 1:  {"format":"agent-alias-emulator","version":2}
 *   then:    one line per JournalRecord (store.ts), e.g.
 *            {"seq":1,"crc":"…","record":{"op":"agent.put","agent":{"key":"support-v1",…}}}
 *            {"seq":2,"crc":"…","record":{"op":"session.create","session":{…},"routing":{…},"evicted":[…]}}
 *          `seq` numbers the records from 1, each line one more than the line before. `crc` is
 *          the CRC-32 (zlib.crc32) of the ASCII `seq`, a colon and the record's JSON exactly as
 *          it stands in the line, as 8 lowercase hex digits; the record comes last in the line
 *          so that a reader checks the bytes as written, not a re-serialization of them.
 *          (`JOURNAL_OPS` in store.ts lists every op.) Secret values are never written:
 *          sessions are journaled as answered, each secret value masked.
 *   Version 1 (no seq, no crc: the record itself is the line) still replays; at start such a
 *   file is rewritten as version 2 (a temporary file renamed over it).
 * Records are fully determined (generated keys, timestamps, routing decisions, the sessions a
 * create evicted), so replaying them in order rebuilds the state exactly, whatever the
 * policies or `--max-sessions` say at replay time.
 *
 * Writing: records are queued in order; one write of the whole queue (repeated until every
 * byte is in: a write may take fewer bytes than it is given) followed by one fdatasync
 * commits them together (group commit), and only then are their requests answered. When a
 * commit fails (ENOSPC, EIO…), the file is cut back to its last committed byte, the records
 * of that commit and every record queued after it (each was checked against a state that
 * included the failed ones) are refused, and `onRollback` rebuilds the state in memory from
 * the file: a write that was not made leaves nothing behind, in memory or on disk. The app
 * answers 507 for a full disk (ENOSPC, EDQUOT) and 503 for any other failure, naming the file.
 * Why roll back rather than persist first: checks and apply stay one synchronous step (two
 * creates of one key cannot both pass; a session is routed by exactly one policy), and group
 * commit keeps its throughput. The price: a failed commit costs one replay of the file, and a
 * read in the moment between apply and commit can see a write that is then undone.
 *
 * Reading: a line is good when its crc matches its bytes, its record parses, and its seq is
 * one more than the previous line's.
 *   - An unterminated last line (a torn write, or zeros a crash left) is a torn tail: cut off.
 *   - A complete last line that is not good (crc mismatch, unparseable) is cut off as well, and
 *     said so loudly. A crash between the write and the fdatasync can leave exactly that (the
 *     pages of a commit reach the disk in any order), and such a record was never answered.
 *     It may instead be an answered record damaged since; but refusing to start would leave
 *     nothing to do except cut the line by hand, so it is cut, and its bytes kept.
 *   - Whatever is cut off is first copied to a side file, FILE.corrupt-<time>, and logged:
 *     no byte is dropped silently.
 *   - A bad line followed by a complete line (corruption before the tail), and a good line
 *     whose seq is not the next one (a repeated or a lost record, which no crash produces),
 *     stop the start naming the line and the reason; the file is left as it is.
 *
 * Locking: one emulator per data file. Node has no flock, so a lock file beside it, FILE.lock,
 * is created exclusively ("wx") and holds {pid, host, started_at, token}; close removes it.
 * A start that finds it refuses, naming the holder, unless the holder is on this host and its
 * pid no longer runs (kill -9, a crash): then it takes the lock over and says so. A lock from
 * another host (a shared folder) cannot be checked from here: it must be removed by hand.
 */
import { randomUUID } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import { JOURNAL_OPS, type JournalRecord } from "./state/records.js";

const FORMAT = "agent-alias-emulator";
/** The format this emulator writes; it reads this one and version 1. */
export const JOURNAL_VERSION = 2;
const HEADER_LINE = `${JSON.stringify({ format: FORMAT, version: JOURNAL_VERSION })}\n`;
const V1_HEADER_LINE = `${JSON.stringify({ format: FORMAT, version: 1 })}\n`;
/** The record types, declared once with JournalRecord (store.ts). */
const OPS: ReadonlySet<string> = new Set(JOURNAL_OPS);

/**
 * A data file that cannot be used: `bad_data_file` (a bad path, no permission, corruption)
 * or `data_file_locked` (another emulator holds it). The command exits 2 on either.
 */
export class JournalError extends Error {
  override readonly name = "JournalError";
  constructor(
    message: string,
    readonly code: "bad_data_file" | "data_file_locked" = "bad_data_file",
  ) {
    super(message);
  }
}

/** A write that could not be committed; `status` is what the app answers (507: disk full). */
export class JournalWriteError extends Error {
  override readonly name = "JournalWriteError";
  constructor(
    message: string,
    readonly status: 503 | 507,
    /** The errno code of the failure (ENOSPC…), when there was one. */
    readonly errno?: string,
  ) {
    super(message);
  }
}

/** What was read from a data file at start. */
export interface JournalContents {
  readonly records: JournalRecord[];
  /** Bytes cut off the end: a torn tail, or a corrupt last line (0 for a clean file). */
  readonly tornBytes: number;
  /** The side file holding the bytes cut off, when any were. */
  readonly keptIn?: string;
  /** Lines to log about the file (what was cut off and where it was kept). */
  readonly notices: readonly string[];
  /** The format version the file was written in (a new file: JOURNAL_VERSION). */
  readonly version: 1 | 2;
  /** The last record's seq (version 2; 0 without records). */
  readonly lastSeq: number;
  /** The file's length once read, after any cut (0: missing or empty). */
  readonly size: number;
}

function isRecord(v: unknown): v is JournalRecord {
  return typeof v === "object" && v !== null && OPS.has((v as { op?: unknown }).op as string);
}

/** The crc of a version-2 line: CRC-32 of `SEQ:` then the record's JSON bytes. */
function checksum(seq: number, body: string | Uint8Array): string {
  return crc32(body, crc32(`${seq}:`))
    .toString(16)
    .padStart(8, "0");
}

/** A record as a version-2 line. */
function recordLine(seq: number, record: JournalRecord): string {
  const body = JSON.stringify(record);
  return `{"seq":${seq},"crc":"${checksum(seq, body)}","record":${body}}\n`;
}

const LINE_HEAD = /^\{"seq":([1-9]\d{0,14}),"crc":"([0-9a-f]{8})","record":/;
/** Longest possible LINE_HEAD match, in bytes. */
const LINE_HEAD_MAX = 64;

type LineCheck = { ok: true; record: JournalRecord; seq?: number } | { ok: false; reason: string };

/** Checks the version-2 line buf[start, nl) (nl: its newline). */
function checkLine(buf: Buffer, start: number, nl: number): LineCheck {
  const m = LINE_HEAD.exec(buf.toString("latin1", start, Math.min(nl, start + LINE_HEAD_MAX)));
  if (!m || nl - start < m[0].length + 2 || buf[nl - 1] !== 0x7d)
    return { ok: false, reason: "not a record line" };
  const bodyStart = start + m[0].length;
  const seq = Number(m[1]);
  const crc = checksum(seq, buf.subarray(bodyStart, nl - 1));
  if (crc !== m[2])
    return { ok: false, reason: `checksum mismatch: the line says ${m[2]}, its bytes give ${crc}` };
  let value: unknown;
  try {
    value = JSON.parse(buf.toString("utf8", bodyStart, nl - 1));
  } catch (e) {
    return { ok: false, reason: `its record is not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(value)) return { ok: false, reason: "its record has no known op" };
  return { ok: true, record: value, seq };
}

/** Checks the version-1 line buf[start, nl): the record itself. */
function checkV1Line(buf: Buffer, start: number, nl: number): LineCheck {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString("utf8", start, nl));
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  return isRecord(value) ? { ok: true, record: value } : { ok: false, reason: "not a record" };
}

/** What a first line without a newline can be in a data file: a header torn at creation. */
function isTornHeader(buf: Buffer): boolean {
  if (buf.every((b) => b === 0)) return true;
  const text = buf.toString("latin1");
  return HEADER_LINE.startsWith(text) || V1_HEADER_LINE.startsWith(text);
}

interface Parsed {
  version: 1 | 2;
  records: JournalRecord[];
  lastSeq: number;
  /** Length of the good part: the header and the good lines up to the first bad one. */
  goodEnd: number;
  /** Why the bytes past goodEnd are cut off, when there are any. */
  cutReason?: string;
}

/** Parses a data file's bytes; throws a JournalError on corruption before the tail. */
function parseJournal(buf: Buffer, path: string): Parsed {
  const where = `data file ${path}`;
  if (buf.length === 0) return { version: JOURNAL_VERSION, records: [], lastSeq: 0, goodEnd: 0 };
  const first = buf.indexOf(10);
  if (first === -1) {
    if (isTornHeader(buf))
      return {
        version: JOURNAL_VERSION,
        records: [],
        lastSeq: 0,
        goodEnd: 0,
        cutReason: `a torn header (${buf.length} bytes, no newline)`,
      };
    throw new JournalError(`${where}: not an agent-alias emulator data file (it has no header line)`);
  }
  let header: { format?: unknown; version?: unknown } | undefined;
  try {
    header = JSON.parse(buf.toString("utf8", 0, first));
  } catch {
    header = undefined;
  }
  if (header?.format !== FORMAT) {
    throw new JournalError(
      `${where}: not an agent-alias emulator data file (its first line is not the header)`,
    );
  }
  if (header.version !== 1 && header.version !== 2) {
    throw new JournalError(
      `${where}: format version ${JSON.stringify(header.version)}; this emulator reads versions 1 and 2`,
    );
  }
  const version = header.version;
  const check = version === 2 ? checkLine : checkV1Line;
  const records: JournalRecord[] = [];
  let lastSeq = 0;
  let at = first + 1;
  let goodEnd = at;
  let line = 1;
  let bad: { line: number; reason: string } | undefined;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    if (nl === -1) break; // unterminated tail: never acknowledged
    line++;
    if (bad !== undefined) {
      throw new JournalError(
        `${where}: line ${bad.line} is corrupt (${bad.reason}), and line ${line} follows it; ` +
          "not starting, the file is left as it is",
      );
    }
    const c = check(buf, at, nl);
    if (!c.ok) bad = { line, reason: c.reason };
    else {
      if (c.seq !== undefined) {
        if (c.seq !== lastSeq + 1) {
          const what =
            c.seq <= lastSeq
              ? `it holds record ${c.seq} again (a duplicated record)`
              : `it holds record ${c.seq} where ${lastSeq + 1} was due (records are missing)`;
          throw new JournalError(
            `${where}: line ${line} is corrupt: ${what}; not starting, the file is left as it is`,
          );
        }
        lastSeq = c.seq;
      }
      records.push(c.record);
      goodEnd = nl + 1;
    }
    at = nl + 1;
  }
  if (goodEnd === buf.length) return { version, records, lastSeq, goodEnd };
  const cutReason =
    bad === undefined
      ? `a torn last record (${buf.length - goodEnd} bytes, no newline)`
      : `line ${bad.line}, the last complete line, which is corrupt (${bad.reason}): a write a crash ` +
        "cut short before it was answered, or an answered one damaged since";
  return { version, records, lastSeq, goodEnd, cutReason };
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAllSync(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

/** Copies bytes about to be cut off a data file to a new side file beside it; returns its path. */
function keepCopy(path: string, bytes: Buffer): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  for (let n = 0; ; n++) {
    const side = `${path}.corrupt-${stamp}${n === 0 ? "" : `-${n}`}`;
    let fd: number;
    try {
      fd = openSync(side, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw e;
    }
    try {
      writeAllSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fsyncDir(dirname(path));
    return side;
  }
}

/**
 * Reads and checks a data file. A tail that cannot be replayed (torn, or a corrupt last line)
 * is copied to a side file, then cut off the file; corruption before the tail throws a
 * JournalError naming the line. A missing file reads as empty.
 */
export function readJournal(path: string): JournalContents {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      return { records: [], tornBytes: 0, notices: [], version: JOURNAL_VERSION, lastSeq: 0, size: 0 };
    throw dataFileError(e, path);
  }
  const p = parseJournal(buf, path);
  const tornBytes = buf.length - p.goodEnd;
  if (tornBytes === 0)
    return {
      records: p.records,
      tornBytes,
      notices: [],
      version: p.version,
      lastSeq: p.lastSeq,
      size: buf.length,
    };
  let keptIn: string;
  try {
    keptIn = keepCopy(path, buf.subarray(p.goodEnd));
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, p.goodEnd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw dataFileError(e, path, `cutting off ${p.cutReason}`);
  }
  const notice = `data file ${path}: cut off ${p.cutReason}; its ${tornBytes} bytes are kept in ${keptIn}`;
  return {
    records: p.records,
    tornBytes,
    keptIn,
    notices: [notice],
    version: p.version,
    lastSeq: p.lastSeq,
    size: p.goodEnd,
  };
}

/**
 * The records in the first `bytes` bytes of a version-2 data file: what this process has
 * committed (JournalWriter.committedBytes), read back to rebuild the state after a failed write.
 */
export function readCommitted(path: string, bytes: number): JournalRecord[] {
  const buf = readFileSync(path).subarray(0, bytes);
  const p = parseJournal(buf, path);
  if (p.goodEnd !== buf.length)
    throw new JournalError(`data file ${path}: its committed part does not read back: ${p.cutReason}`);
  return p.records;
}

/** Rewrites a version-1 file as version 2 (through a temporary file renamed over it). */
function rewriteAsV2(path: string, records: readonly JournalRecord[]): { size: number; lastSeq: number } {
  const buf = Buffer.from(HEADER_LINE + records.map((r, i) => recordLine(i + 1, r)).join(""));
  const tmp = `${path}.v2-${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, "w");
    try {
      writeAllSync(fd, buf);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
    throw dataFileError(e, path, "rewriting it in format version 2");
  }
  fsyncDir(dirname(path));
  return { size: buf.length, lastSeq: records.length };
}

// ---- path checks and errors ----------------------------------------------------------

const VERBS: Readonly<Record<string, string>> = {
  open: "open",
  read: "read",
  write: "write",
  unlink: "remove",
  rename: "rename",
  stat: "look up",
  lstat: "look up",
  fsync: "sync",
  ftruncate: "cut",
  link: "link",
};

/**
 * A file-system error met while using data file `path`, as a JournalError that says what
 * is wrong in words and names the path (a JournalError is returned as it is).
 */
export function dataFileError(e: unknown, path: string, doing?: string): Error {
  if (e instanceof JournalError) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string") return e as Error;
  const target = err.path ?? path;
  const during = doing === undefined ? "" : ` (${doing})`;
  const say = (what: string) => new JournalError(`data file ${path}: ${what}${during}`);
  switch (err.code) {
    case "ENOENT":
    case "ENOTDIR":
      return say(missingFolder(path, target, err.code));
    case "EISDIR":
      return say("is a folder, not a file");
    case "EACCES":
    case "EPERM":
      return say(`no permission to ${VERBS[err.syscall ?? ""] ?? "use"} ${target} (${err.code})`);
    case "EROFS":
      return say(`${target} is on a read-only file system (EROFS)`);
    case "ENOSPC":
    case "EDQUOT":
      return say(`no space left on the device of ${target} (${err.code})`);
    default:
      return say(`${err.message}`);
  }
}

/**
 * Why the folder of `path` cannot hold it: the nearest ancestor that is missing or not a
 * folder; or, when the folder is there, that it takes no new file (`/proc`, a pseudo file
 * system that answers ENOENT to a create).
 */
function missingFolder(path: string, target: string, code: string): string {
  let dir = dirname(path);
  let missing = dir;
  for (;;) {
    let st: Stats | undefined;
    try {
      st = statSync(dir);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory() && dir === dirname(path))
      return `the folder ${dir} exists but ${target} cannot be created in it (${code}: a file system that takes no new files, such as /proc?)`;
    if (st !== undefined)
      return st.isDirectory() ? `the folder ${missing} does not exist` : `${dir} is not a folder`;
    missing = dir;
    const up = dirname(dir);
    if (up === dir) return `the folder ${missing} does not exist`;
    dir = up;
  }
}

/** Checks that `path` can be a data file: its folder exists, and it is a file if it exists. */
export function checkDataPath(path: string): void {
  let dir: Stats;
  try {
    dir = statSync(dirname(path));
  } catch (e) {
    throw dataFileError(e, path);
  }
  if (!dir.isDirectory())
    throw new JournalError(`data file ${path}: ${missingFolder(path, path, "ENOTDIR")}`);
  let file: Stats | undefined;
  try {
    file = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw dataFileError(e, path);
  }
  if (file?.isDirectory()) throw new JournalError(`data file ${path}: is a folder, not a file`);
  if (file !== undefined && !file.isFile())
    throw new JournalError(`data file ${path}: is not a regular file`);
}

// ---- the lock ------------------------------------------------------------------------

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

/** The data file's lock (FILE.lock, see the top of this file), held from start to close. */
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

// ---- writing -------------------------------------------------------------------------

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

async function writeAll(handle: FileHandle, buf: Buffer): Promise<void> {
  for (let off = 0; off < buf.length; ) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off);
    if (bytesWritten <= 0) throw Object.assign(new Error("write took no bytes"), { code: "EIO" });
    off += bytesWritten;
  }
}

/**
 * Appends records with group commit; `append` resolves once the record is on disk, and
 * rejects with a JournalWriteError when it could not be committed (see the top of this file).
 */
export class JournalWriter {
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  /** Set when the file could not be cut back after a failed commit: every write fails. */
  private broken: JournalWriteError | null = null;
  private nextSeq: number;
  /**
   * Called after a failed commit, once the file is back at `committedBytes` and before any
   * refused write is answered: the owner rebuilds its state from the file (readCommitted).
   */
  onRollback: (() => void) | undefined;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    private committed: number,
    private committedSeq: number,
    private readonly log: (line: string) => void,
  ) {
    this.nextSeq = committedSeq + 1;
  }

  /** Bytes of the file that hold committed records (and the header). */
  get committedBytes(): number {
    return this.committed;
  }

  /**
   * Opens data file `path`, read as `from` (readJournal), for appending: writes the header of
   * a new file, and rewrites a version-1 file as version 2 first.
   */
  static async open(
    path: string,
    from: JournalContents,
    log: (line: string) => void = () => {},
  ): Promise<JournalWriter> {
    let { size, lastSeq } = from;
    if (from.version === 1 && size > 0) {
      ({ size, lastSeq } = rewriteAsV2(path, from.records));
      log(`data file ${path}: rewrote it in format version ${JOURNAL_VERSION} (${lastSeq} records)`);
    }
    let handle: FileHandle;
    try {
      handle = await open(path, "a");
    } catch (e) {
      throw dataFileError(e, path);
    }
    try {
      if (size === 0) {
        await writeAll(handle, Buffer.from(HEADER_LINE));
        await handle.datasync();
        // Make the new file's directory entry durable too.
        fsyncDir(dirname(path));
        size = HEADER_LINE.length;
      }
    } catch (e) {
      await handle.truncate(0).catch(() => {});
      await handle.close();
      throw dataFileError(e, path, "writing its header");
    }
    return new JournalWriter(handle, path, size, lastSeq, log);
  }

  append(record: JournalRecord): Promise<void> {
    const line = recordLine(this.nextSeq++, record);
    return new Promise<void>((resolve, reject) => {
      this.queue.push(line);
      this.waiters.push({ resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const buf = Buffer.from(this.queue.join(""));
        const waiters = this.waiters;
        const lastSeq = this.nextSeq - 1;
        this.queue = [];
        this.waiters = [];
        let failure: JournalWriteError | null = this.broken;
        if (failure === null) {
          try {
            await writeAll(this.handle, buf);
            await this.handle.datasync();
            this.committed += buf.length;
            this.committedSeq = lastSeq;
          } catch (e) {
            failure = await this.undo(e);
          }
        }
        if (failure === null) {
          for (const w of waiters) w.resolve();
          continue;
        }
        // Whatever was queued meanwhile was checked against a state that included the failed
        // records: refuse it as well, then rebuild the state from the file.
        const refused = [...waiters, ...this.waiters];
        this.queue = [];
        this.waiters = [];
        this.nextSeq = this.committedSeq + 1;
        if (this.broken === null || failure !== this.broken)
          this.log(`${failure.message} (${refused.length} write(s) refused and undone)`);
        try {
          this.onRollback?.();
        } catch (e) {
          this.broken ??= new JournalWriteError(
            `data file ${this.path}: the state could not be rebuilt after a failed write (${(e as Error).message}); restart the emulator`,
            503,
          );
          this.log(this.broken.message);
        }
        for (const w of refused) w.reject(failure);
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Cuts the file back to its committed bytes after a failed commit; returns the error to answer. */
  private async undo(e: unknown): Promise<JournalWriteError> {
    const err = e as NodeJS.ErrnoException;
    const code = typeof err?.code === "string" ? err.code : undefined;
    const full = code === "ENOSPC" || code === "EDQUOT";
    const reason = full
      ? `no space left on its device (${code})`
      : `${err?.message ?? String(e)}${code === undefined || err.message?.includes(code) ? "" : ` (${code})`}`;
    try {
      await this.handle.truncate(this.committed);
      await this.handle.datasync();
    } catch (t) {
      this.broken = new JournalWriteError(
        `data file ${this.path}: a write failed (${reason}) and the file could not be cut back to its last committed record (${(t as Error).message}); no more writes are accepted: restart the emulator`,
        503,
        code,
      );
      this.log(this.broken.message);
      return this.broken;
    }
    return new JournalWriteError(
      `data file ${this.path}: ${reason}; the write was not made`,
      full ? 507 : 503,
      code,
    );
  }

  /** Waits for queued records, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}
