/**
 * Reading YAML and JSON documents (policy files, contexts, samples, the emulator's seed) with
 * the limits the API applies to a body, in one place: one document, the YAML core schema's
 * tags only, few aliases, and no value nested deeper than the API takes (nor a `__proto__`
 * key, which no consumer of ours should ever see as data).
 */
import { parseAllDocuments, type YAMLError } from "yaml";
import type { PathPart } from "./issues.js";
import { formatPath } from "./issues.js";
import { DOCUMENT_LIMITS } from "./limits.js";

export { DOCUMENT_LIMITS };

/** The API's nesting limit for a body: objects and arrays, the body itself being level 1. */
export const MAX_JSON_DEPTH = DOCUMENT_LIMITS.maxJsonDepth;

/** A document that cannot be read as data: `source` (and `line:column`) and what is wrong. */
export class DocumentError extends Error {
  override readonly name = "DocumentError";
  readonly code = "invalid_document" as const;
  constructor(
    readonly source: string,
    readonly detail: string,
    /** `line:column`, when known. */
    readonly at?: string,
  ) {
    super(`${source}${at ? `:${at}` : ""}: ${detail}`);
  }
}

function yamlProblem(file: string, e: YAMLError): DocumentError {
  const at = e.linePos?.[0] ? `${e.linePos[0].line}:${e.linePos[0].col}` : undefined;
  return new DocumentError(file, `not valid YAML or JSON: ${e.message.split("\n")[0]}`, at);
}

/**
 * Parses YAML (a superset of JSON) into plain data, once. Refused with a DocumentError naming
 * the file (and line): more than one document, a tag the
 * YAML core schema does not know (`!!js/function`: never run, never taken as a string),
 * more aliases than INPUT_LIMITS allow, and a value nested deeper than the API takes (a YAML
 * alias can make a cycle, which is refused the same way).
 */
export function parseDocument(text: string, file: string): unknown {
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
    if (list.length > 1) throw new DocumentError(file, `holds ${list.length} YAML documents; expected one`);
    const doc = list[0];
    if (doc === undefined || !("errors" in doc)) return null;
    if (doc.errors.length > 0) throw yamlProblem(file, doc.errors[0]!);
    const tag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
    if (tag) throw yamlProblem(file, tag);
    try {
      value = doc.toJS({ maxAliasCount: DOCUMENT_LIMITS.maxYamlAliases });
    } catch (e) {
      throw new DocumentError(
        file,
        `not valid YAML or JSON: ${(e as Error).message} (at most ${DOCUMENT_LIMITS.maxYamlAliases} aliases)`,
      );
    }
  }
  const deep = checkJsonTree(value);
  if (deep) throw new DocumentError(file, deep.message);
  return value;
}

/**
 * Walks a parsed JSON body without recursion and reports the first `__proto__` key (which
 * no consumer of ours should ever see as data) or nesting beyond the limit (which would
 * overflow recursive consumers such as JSON.stringify). Returns null when the body is fine.
 */
export function checkJsonTree(root: unknown): { path: string; detail: string; message: string } | null {
  const stack: Frame[] = [{ v: root, key: "", parent: null, depth: 0 }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const v = f.v;
    if (v === null || typeof v !== "object") continue;
    if (f.depth >= MAX_JSON_DEPTH) {
      const p = formatPath(pathOf(f)) || "body";
      const detail = `nested deeper than ${MAX_JSON_DEPTH} levels`;
      return { path: p, detail, message: `${p}: ${detail}` };
    }
    const depth = f.depth + 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, parent: f, depth });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const child: Frame = { v: (v as Record<string, unknown>)[k], key: k, parent: f, depth };
      if (k === "__proto__") {
        const p = formatPath(pathOf(child));
        const detail = "the key '__proto__' is not allowed";
        return { path: p, detail, message: `${p}: ${detail}` };
      }
      stack.push(child);
    }
  }
  return null;
}

/** A node of the body being walked; the path is rebuilt from parents only when reporting. */
interface Frame {
  v: unknown;
  key: PathPart;
  parent: Frame | null;
  depth: number;
}

function pathOf(f: Frame): PathPart[] {
  const parts: PathPart[] = [];
  for (let at: Frame | null = f; at?.parent; at = at.parent) parts.push(at.key);
  return parts.reverse();
}

/**
 * The fields the fast path checks itself. A body with any other field, including the schema's
 * `enabled`, `tti_minutes` and `secrets`, gets undefined and so goes through zod.
 */

/**
 * The whole text of a stream (standard input, when a command is given `-` for a file), or
 * null once it passes `maxBytes`: the caller names the limit in its own words.
 */
export async function readStreamText(
  stream: AsyncIterable<string | Uint8Array>,
  maxBytes: number,
): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.from(chunk);
    size += b.length;
    if (size > maxBytes) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}
