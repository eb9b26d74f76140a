/**
 * Starting on a data file (`dataFile`): lock it, read and replay it into the store, open it
 * for appending, and evict down to `--max-sessions` when the file was written with a higher
 * limit. A failed commit later rebuilds the store from the file's committed records (the
 * journal's rollback), keeping what is not journaled (routing error counts).
 */
import {
  DataFileLock,
  dataFileError,
  JournalError,
  JournalWriteError,
  JournalWriter,
  readCommitted,
  readJournal,
} from "../journal/index.js";
import type { JournalRecord, WriteResult } from "../state/records.js";
import type { Store } from "../state/store.js";

/** The store now: replaced when a failed write rolls the state back. */
export interface StoreHolder {
  store: Store;
}

/** An open data file: its writer, and `close` (flushes, closes, releases the lock). */
export interface DataFile {
  readonly journal: JournalWriter;
  close(): Promise<void>;
}

/** Replays `records` into `into`; a record that cannot be replayed is a JournalError naming it. */
export function replay(into: Store, records: readonly JournalRecord[], legacy: boolean, file: string): void {
  records.forEach((r, i) => {
    try {
      into.replay(r, legacy);
    } catch (e) {
      throw new JournalError(
        `data file ${file}: record ${i + 1} (${r.op}) cannot be replayed: ${(e as Error).message}`,
      );
    }
  });
}

/**
 * Opens `file` for `holder.store` (see the top of this module); `fresh` makes an empty store
 * for a rollback. Throws a JournalError (the lock released) when the file cannot be used.
 */
export async function openDataFile(
  file: string,
  holder: StoreHolder,
  fresh: () => Store,
  maxSessions: number,
  log: (line: string) => void,
): Promise<DataFile> {
  // The lock first: nothing reads (or cuts) the file while another emulator writes it.
  const lock = DataFileLock.acquire(file, log);
  let journal: JournalWriter | undefined;
  const close = async (): Promise<void> => {
    try {
      await journal?.close();
    } finally {
      lock.release();
    }
  };
  try {
    const contents = readJournal(file);
    for (const line of contents.notices) log(line);
    replay(holder.store, contents.records, contents.version === 1, file);
    const writer = await JournalWriter.open(file, contents, log);
    journal = writer;
    // A failed commit: the file is back at its committed records; so is the state.
    writer.onRollback = () => {
      const store = fresh();
      replay(store, readCommitted(file, writer.committedBytes), false, file);
      store.carryOver(holder.store);
      holder.store = store;
    };
    // Started with a lower --max-sessions than the file was written with.
    const evictions = holder.store.evictOverLimit();
    if (evictions.length > 0) {
      await Promise.all(evictions.map((r) => writer.append(r)));
      log(`--max-sessions ${maxSessions}: evicted the ${evictions.length} oldest stored session(s)`);
    }
    return { journal: writer, close };
  } catch (e) {
    await close().catch(() => {});
    throw e instanceof JournalWriteError ? new JournalError(e.message) : dataFileError(e, file);
  }
}

/** Journals the records of a write, in order; settles once all are on disk (or one is refused). */
export function appendAll(journal: JournalWriter, w: WriteResult<unknown>): Promise<void> {
  if (w.records.length === 1) return journal.append(w.records[0]!);
  return Promise.all(w.records.map((r) => journal.append(r))).then(() => undefined);
}
