/**
 * Reading policy, context and sample files: YAML or JSON by content, whatever the extension;
 * `-` reads standard input instead (CLI.md), once per command. Every failure is an InputError
 * naming the file (and line where known).
 */
import { readFile, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { checkJsonTree, DOCUMENT_LIMITS, parseDocument, readStreamText } from "../policy/documents.js";
import { isRecord } from "../policy/index.js";
import { type CliIO, type CliStdin, InputError } from "./io.js";

/** The file name that reads standard input. */
export const STDIN = "-";

/** Where a command reads its files from: the working directory, and standard input for `-`. */
export type FileSource = Pick<CliIO, "cwd" | "stdin">;

/**
 * Limits on what the CLI reads, in one place. A policy or context file larger than the API
 * takes in a request body could never be sent; a JSON-lines file of contexts may be larger,
 * one context per line.
 */
export const INPUT_LIMITS = Object.freeze({
  /** Largest policy, context or sample file, in bytes (the API's body limit). */
  maxFileBytes: 1024 * 1024,
  /** Largest JSON-lines file of contexts, in bytes. */
  maxJsonLinesBytes: 256 * 1024 * 1024,
  /** YAML aliases (`*name`) a file may use; a "billion laughs" file uses millions. */
  maxYamlAliases: DOCUMENT_LIMITS.maxYamlAliases,
});

/** Parses a file's text (parseDocument) into plain data; a refusal is an InputError naming the file. */
export function parseData(text: string, file: string): unknown {
  try {
    return parseDocument(text, file);
  } catch (e) {
    if ((e as { code?: unknown }).code === "invalid_document") throw new InputError((e as Error).message);
    throw e;
  }
}

/** Standard inputs already read: a stream ends once, so a second `-` would read nothing. */
const consumed = new WeakSet<object>();

async function readStdin(stdin: CliStdin, maxBytes: number): Promise<string> {
  if (consumed.has(stdin))
    throw new InputError(`${STDIN}: standard input is read once; give '${STDIN}' for one file only`);
  consumed.add(stdin);
  const text = await readStreamText(stdin, maxBytes);
  if (text === null)
    throw new InputError(`${STDIN}: standard input is larger than the limit of ${maxBytes} bytes`);
  return text;
}

async function readText(file: string, from: FileSource, maxBytes: number): Promise<string> {
  if (file === STDIN) return readStdin(from.stdin ?? process.stdin, maxBytes);
  const path = resolvePath(from.cwd ?? process.cwd(), file);
  try {
    const size = (await stat(path)).size;
    if (size > maxBytes)
      throw new InputError(`${file}: ${size} bytes, larger than the limit of ${maxBytes} bytes`);
    return await readFile(path, "utf8");
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT"
        ? `${file}: no such file`
        : code === "EISDIR"
          ? `${file}: is a directory`
          : `${file}: cannot read (${(e as Error).message})`,
    );
  }
}

/** Reads a YAML or JSON file (`-`: standard input) into plain data. */
export async function readDataFile(file: string, from: FileSource = {}): Promise<unknown> {
  return parseData(await readText(file, from, INPUT_LIMITS.maxFileBytes), file);
}

/** Reads a JSON-lines file (`-`: standard input); blank lines are skipped. Any bad line fails the whole file. */
export async function readJsonLines(
  file: string,
  from: FileSource = {},
): Promise<{ line: number; value: unknown }[]> {
  const text = await readText(file, from, INPUT_LIMITS.maxJsonLinesBytes);
  const out: { line: number; value: unknown }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new InputError(`${file}:${i + 1}: not valid JSON: ${(e as Error).message}`);
    }
    const deep = checkJsonTree(value);
    if (deep) throw new InputError(`${file}:${i + 1}: ${deep.message}`);
    out.push({ line: i + 1, value });
  });
  return out;
}

/** Reads a routing context file (`-`: standard input): a JSON or YAML object. */
export async function readContext(file: string, from: FileSource = {}): Promise<Record<string, unknown>> {
  const v = await readDataFile(file, from);
  if (!isRecord(v))
    throw new InputError(`${file}: a routing context must be an object with session, agent, currentDate`);
  return v;
}
