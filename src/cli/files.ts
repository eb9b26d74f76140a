/**
 * Reading policy, context and sample files: YAML or JSON by content, whatever the extension.
 * Every failure is an InputError naming the file (and line where known).
 */
import { readFile, stat } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { parseAllDocuments, type YAMLError } from "yaml";
import { checkJsonTree } from "../emulator/validation.js";
import { InputError } from "./io.js";

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
  maxYamlAliases: 100,
});

async function readText(file: string, cwd: string | undefined, maxBytes: number): Promise<string> {
  const path = resolvePath(cwd ?? process.cwd(), file);
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

function yamlProblem(file: string, e: YAMLError): InputError {
  const where = e.linePos?.[0] ? `:${e.linePos[0].line}:${e.linePos[0].col}` : "";
  return new InputError(`${file}${where}: not valid YAML or JSON: ${e.message.split("\n")[0]}`);
}

/**
 * Parses YAML (a superset of JSON) into plain data, once; `__proto__` keys stay ordinary keys.
 * Refused with an InputError naming the file (and line): more than one document, a tag the
 * YAML core schema does not know (`!!js/function`: never run, never taken as a string),
 * more aliases than INPUT_LIMITS allow, and a value nested deeper than the API takes (a YAML
 * alias can make a cycle, which is refused the same way).
 */
export function parseData(text: string, file: string): unknown {
  let value: unknown;
  const trimmed = text.trimStart();
  let parsed = false;
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      value = JSON.parse(text);
      parsed = true;
    } catch {
      // Fall through to YAML, which also reads JSON and reports a line and column.
    }
  }
  if (!parsed) {
    const docs = parseAllDocuments(text, { prettyErrors: true });
    const list = Array.isArray(docs) ? docs : [docs];
    if (list.length > 1) throw new InputError(`${file}: holds ${list.length} YAML documents; expected one`);
    const doc = list[0];
    if (doc === undefined || !("errors" in doc)) return null;
    if (doc.errors.length > 0) throw yamlProblem(file, doc.errors[0]!);
    const tag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
    if (tag) throw yamlProblem(file, tag);
    try {
      value = doc.toJS({ maxAliasCount: INPUT_LIMITS.maxYamlAliases });
    } catch (e) {
      throw new InputError(
        `${file}: not valid YAML or JSON: ${(e as Error).message} (at most ${INPUT_LIMITS.maxYamlAliases} aliases)`,
      );
    }
  }
  const deep = checkJsonTree(value);
  if (deep) throw new InputError(`${file}: ${deep.message}`);
  return value;
}

export async function readDataFile(file: string, cwd?: string): Promise<unknown> {
  return parseData(await readText(file, cwd, INPUT_LIMITS.maxFileBytes), file);
}

/** Reads a JSON-lines file; blank lines are skipped. Any bad line fails the whole file. */
export async function readJsonLines(file: string, cwd?: string): Promise<{ line: number; value: unknown }[]> {
  const text = await readText(file, cwd, INPUT_LIMITS.maxJsonLinesBytes);
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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a routing context file: a JSON or YAML object. */
export async function readContext(file: string, cwd?: string): Promise<Record<string, unknown>> {
  const v = await readDataFile(file, cwd);
  if (!isObject(v))
    throw new InputError(`${file}: a routing context must be an object with session, agent, currentDate`);
  return v;
}
