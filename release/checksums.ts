/**
 * SHA-256 checksums of a release folder in `sha256sum`'s format (`<hex>  <path>` per line,
 * paths relative to the folder, sorted), so `sha256sum -c SHA256SUMS` checks a download.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const CHECKSUMS = "SHA256SUMS";

export const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Every file under `dir` (posix paths relative to it, sorted), the checksum file left out. */
export function releaseFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) out.push(...releaseFiles(dir, path));
    else if (path !== CHECKSUMS) out.push(path);
  }
  return out.sort();
}

/** The checksum file's text for every file under `dir`. */
export function checksums(dir: string): string {
  return releaseFiles(dir)
    .map((path) => `${sha256(join(dir, path))}  ${path}\n`)
    .join("");
}

/** A checksum file's lines as path -> hex; a malformed line throws. */
export function parseChecksums(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
    if (!m) throw new Error(`not a checksum line: ${JSON.stringify(line)}`);
    out.set(m[2]!, m[1]!);
  }
  return out;
}
