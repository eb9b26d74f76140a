/**
 * The data file's line format (docs/emulator-journal.md): a header line, then one line per
 * record, `{"seq":N,"crc":"8 hex","record":{…}}`, the crc a CRC-32 of `N:` and the record's
 * bytes as written. Version 1 lines (the record alone) are still read. Checking a line
 * returns why it is bad; nothing here touches a file.
 */
import { crc32 } from "node:zlib";
import { JOURNAL_OPS, type JournalRecord } from "../state/records.js";

export const FORMAT = "agent-alias-emulator";
/** The format this emulator writes; it reads this one and version 1. */
export const JOURNAL_VERSION = 2;
export const HEADER_LINE = `${JSON.stringify({ format: FORMAT, version: JOURNAL_VERSION })}\n`;
export const V1_HEADER_LINE = `${JSON.stringify({ format: FORMAT, version: 1 })}\n`;
/** The record types, declared once with JournalRecord (state/records.ts). */
const OPS: ReadonlySet<string> = new Set(JOURNAL_OPS);

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
export function recordLine(seq: number, record: JournalRecord): string {
  const body = JSON.stringify(record);
  return `{"seq":${seq},"crc":"${checksum(seq, body)}","record":${body}}\n`;
}

const LINE_HEAD = /^\{"seq":([1-9]\d{0,14}),"crc":"([0-9a-f]{8})","record":/;
/** Longest possible LINE_HEAD match, in bytes. */
const LINE_HEAD_MAX = 64;

export type LineCheck = { ok: true; record: JournalRecord; seq?: number } | { ok: false; reason: string };

/** Checks the version-2 line buf[start, nl) (nl: its newline). */
export function checkLine(buf: Buffer, start: number, nl: number): LineCheck {
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
export function checkV1Line(buf: Buffer, start: number, nl: number): LineCheck {
  let value: unknown;
  try {
    value = JSON.parse(buf.toString("utf8", start, nl));
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  return isRecord(value) ? { ok: true, record: value } : { ok: false, reason: "not a record" };
}

/** What a first line without a newline can be in a data file: a header torn at creation. */
export function isTornHeader(buf: Buffer): boolean {
  if (buf.every((b) => b === 0)) return true;
  const text = buf.toString("latin1");
  return HEADER_LINE.startsWith(text) || V1_HEADER_LINE.startsWith(text);
}
