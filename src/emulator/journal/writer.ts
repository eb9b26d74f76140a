/**
 * Appending records (docs/emulator-journal.md, "Writing"): queued in order, then one write of
 * the whole queue and one fdatasync commit them together (group commit); only then are their
 * requests answered. A failed commit cuts the file back to its last committed byte, refuses
 * that commit and everything queued after it, and calls `onRollback` so the owner rebuilds
 * its state from the file: a write that was not made leaves nothing behind.
 */
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { JournalRecord } from "../state/records.js";
import { dataFileError, JournalWriteError } from "./errors.js";
import { fsyncDir } from "./files.js";
import { HEADER_LINE, JOURNAL_VERSION, recordLine } from "./format.js";
import { type JournalContents, rewriteAsV2 } from "./recovery.js";

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
