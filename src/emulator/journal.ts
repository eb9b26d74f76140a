/**
 * The `--data FILE` journal: every acknowledged write is on disk before its answer.
 *
 * Format: UTF-8 JSON lines, append-only.
 *   line 1:  {"format":"agent-alias-emulator","version":1}
 *   then:    one JournalRecord per line (store.ts), e.g.
 *            {"op":"agent.put","agent":{"key":"support-v1",…}}
 *            {"op":"session.create","session":{…},"routing":{"rule":2,"target":"weighted","partition":"u1"}}
 *            {"op":"session.patch","session":{…},"at":"2026-06-02T10:35:00.000Z"}
 *          (`JOURNAL_OPS` in store.ts lists every op). Secret values are never written:
 *          sessions are journaled as answered, each secret value masked.
 * Records are fully determined (generated keys, timestamps, routing decisions), so replaying
 * them in order rebuilds the state exactly, whatever the policies say at replay time.
 *
 * Writing: records are queued in order; one write of the whole queue followed by one
 * fdatasync commits them together (group commit), and only then are their requests answered.
 * A record is written as one line in one append, so a crash can tear only the last line.
 *
 * Reading: lines are replayed in order. An unterminated or unparseable tail (a torn last
 * write, or zeros left by a crash) is cut off; an unparseable line followed by good ones is
 * corruption and stops the start, naming the line.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { JOURNAL_OPS, type JournalRecord } from "./store.js";

const HEADER = { format: "agent-alias-emulator", version: 1 } as const;
/** The record types, declared once with JournalRecord (store.ts). */
const OPS: ReadonlySet<string> = new Set(JOURNAL_OPS);

export class JournalError extends Error {
  override readonly name = "JournalError";
  readonly code = "bad_data_file" as const;
}

/** What was read from a data file at start. */
export interface JournalContents {
  readonly records: JournalRecord[];
  /** Bytes of torn tail that were cut off (0 for a clean file). */
  readonly tornBytes: number;
}

function isRecord(v: unknown): v is JournalRecord {
  return typeof v === "object" && v !== null && OPS.has((v as { op?: unknown }).op as string);
}

/** Reads and checks a data file; cuts off a torn tail (on disk too). A missing file reads as empty. */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { records: [], tornBytes: 0 };
  const buf = readFileSync(path);
  const records: JournalRecord[] = [];
  let at = 0;
  let line = 0;
  let goodEnd = 0;
  let firstBad: number | undefined;
  while (at < buf.length) {
    const nl = buf.indexOf(10, at);
    if (nl === -1) break; // unterminated tail: never acknowledged
    line++;
    let value: unknown;
    let ok = false;
    try {
      value = JSON.parse(buf.toString("utf8", at, nl));
      ok = line === 1 ? (value as { format?: unknown })?.format === HEADER.format : isRecord(value);
    } catch {
      ok = false;
    }
    if (line === 1 && !ok) {
      throw new JournalError(
        `${path} is not an agent-alias emulator data file (its first line is not the header)`,
      );
    }
    if (ok && firstBad !== undefined) {
      throw new JournalError(`${path}: line ${firstBad} is corrupt, and good records follow it`);
    }
    if (!ok) firstBad ??= line;
    else {
      if (line > 1) records.push(value as JournalRecord);
      goodEnd = nl + 1;
    }
    at = nl + 1;
  }
  const tornBytes = buf.length - goodEnd;
  if (tornBytes > 0) {
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, goodEnd);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { records, tornBytes };
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}

/** Appends records with group commit; `append` resolves once the record is on disk. */
export class JournalWriter {
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;

  private constructor(private readonly handle: FileHandle) {}

  /** Opens (creating, with its header) the data file for appending. */
  static async open(path: string): Promise<JournalWriter> {
    const created = !existsSync(path) || readFileSync(path).length === 0;
    const handle = await open(path, "a");
    if (created) {
      await handle.write(`${JSON.stringify(HEADER)}\n`);
      await handle.datasync();
      // Make the new file's directory entry durable too.
      const dir = openSync(dirname(path), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
    return new JournalWriter(handle);
  }

  append(record: JournalRecord): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((resolve, reject) => {
      this.queue.push(line);
      this.waiters.push({ resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const lines = this.queue;
        const waiters = this.waiters;
        this.queue = [];
        this.waiters = [];
        try {
          if (this.failure !== null) throw this.failure;
          await this.handle.write(lines.join(""));
          await this.handle.datasync();
        } catch (e) {
          this.failure ??= e;
          for (const w of waiters) w.reject(e);
          continue;
        }
        for (const w of waiters) w.resolve();
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Waits for queued records, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.handle.close();
  }
}
