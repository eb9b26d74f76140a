/** Synchronous file helpers the journal's modules share. */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";

/** Makes a folder's entries (a new or renamed file) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes every byte of `buf` (a write may take fewer than it is given). */
export function writeAllSync(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}
