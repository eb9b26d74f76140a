/**
 * Reading policy, context and sample files: YAML or JSON by content, whatever the extension.
 * Every failure is an InputError naming the file (and line where known).
 */
import { readFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { parseAllDocuments, parse as parseYaml, YAMLParseError } from "yaml";
import { InputError } from "./io.js";

async function readText(file: string, cwd: string | undefined): Promise<string> {
  try {
    return await readFile(resolvePath(cwd ?? process.cwd(), file), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${(e as Error).message})`,
    );
  }
}

/** Parses YAML (a superset of JSON) into plain data; `__proto__` keys stay ordinary keys. */
export function parseData(text: string, file: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {
      // Fall through to YAML, which also reads JSON and reports a line and column.
    }
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > 1) throw new InputError(`${file}: holds ${list.length} YAML documents; expected one`);
  try {
    return parseYaml(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const where = e.linePos?.[0] ? `:${e.linePos[0].line}:${e.linePos[0].col}` : "";
      throw new InputError(`${file}${where}: not valid YAML or JSON: ${e.message.split("\n")[0]}`);
    }
    throw e;
  }
}

export async function readDataFile(file: string, cwd?: string): Promise<unknown> {
  return parseData(await readText(file, cwd), file);
}

/** Reads a JSON-lines file; blank lines are skipped. Any bad line fails the whole file. */
export async function readJsonLines(file: string, cwd?: string): Promise<{ line: number; value: unknown }[]> {
  const text = await readText(file, cwd);
  const out: { line: number; value: unknown }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      out.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (e) {
      throw new InputError(`${file}:${i + 1}: not valid JSON: ${(e as Error).message}`);
    }
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
