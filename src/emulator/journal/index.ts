/**
 * The `--data FILE` journal: every acknowledged write is on disk before its answer, and a
 * write that could not be made changes nothing, in memory or on disk. The file is append-only
 * JSON lines, each record numbered and checksummed (format.ts); a start reads it back,
 * cutting off only a torn or corrupt last line and keeping its bytes (recovery.ts); one
 * emulator holds it at a time (lock.ts); writes are group-committed and rolled back when a
 * commit fails (writer.ts). The whole design and its reasons: docs/emulator-journal.md.
 */
export { checkDataPath, dataFileError, JournalError, JournalWriteError } from "./errors.js";
export { JOURNAL_VERSION } from "./format.js";
export { DataFileLock } from "./lock.js";
export { type JournalContents, readCommitted, readJournal } from "./recovery.js";
export { JournalWriter } from "./writer.js";
