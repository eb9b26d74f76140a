/**
 * Reading a data file at start (docs/emulator-journal.md, "Reading"): every good line in
 * order; a torn or corrupt last line is copied to FILE.corrupt-<time> and cut off; corruption
 * before the tail, or a seq out of order, stops the start naming the line. Also reads back
 * the committed part after a failed write, and rewrites a version-1 file as version 2.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import type { JournalRecord } from "../state/records.js";
import { dataFileError, JournalError } from "./errors.js";
import { fsyncDir, writeAllSync } from "./files.js";
import {
  checkLine,
  checkV1Line,
  FORMAT,
  HEADER_LINE,
  isTornHeader,
  JOURNAL_VERSION,
  recordLine,
} from "./format.js";

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
export function rewriteAsV2(
  path: string,
  records: readonly JournalRecord[],
): { size: number; lastSeq: number } {
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
