/**
 * What can go wrong with a data file, in words that name it: JournalError (the file cannot be
 * used: exit 2), JournalWriteError (a write not committed: 503, or 507 for a full disk), and
 * the checks of a path before it is used.
 */
import { type Stats, statSync } from "node:fs";
import { dirname } from "node:path";

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
