/**
 * The session fields of `--metadata-from`: a contexts file (YAML or JSON) of routing samples,
 * routing contexts or plain metadata objects, each read as the fields of one session.
 */
import { readFileSync } from "node:fs";
import { DocumentError, parseDocument } from "../policy/documents.js";
import { isRecord } from "../policy/index.js";
import { type SessionFields, TrafficError } from "./types.js";

/** One entry of a contexts file as session fields (see readContexts). */
function fieldsOf(item: unknown, at: string): SessionFields {
  if (!isRecord(item)) throw new TrafficError(`${at}: must be an object`);
  const context = isRecord(item.context) ? item.context : undefined;
  const session = isRecord(context?.session)
    ? context.session
    : isRecord(item.session)
      ? item.session
      : undefined;
  if (context !== undefined && session === undefined) return { metadata: {} }; // a sample without session fields: routed on the alias alone
  if (session === undefined) return { metadata: item };
  const metadata = session.metadata ?? {};
  if (!isRecord(metadata)) throw new TrafficError(`${at}.session.metadata: must be an object`);
  const out: SessionFields = { metadata };
  if (typeof session.name === "string") out.name = session.name;
  if (typeof session.description === "string") out.description = session.description;
  return out;
}

/**
 * The session fields of a contexts file (YAML or JSON): a list, or `{samples: [...]}` or
 * `{contexts: [...]}`, of routing samples (`{name?, context: {session: {metadata, name?,
 * description?}}, expect?}`, as `agent-alias preview --samples` reads them), routing contexts
 * (`{session: {...}}`), or plain metadata objects (`{user_id: u1, tier: gold}`). Throws a
 * TrafficError naming the file and the entry.
 */
export function readContexts(file: string): SessionFields[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new TrafficError(`--metadata-from ${file}: cannot read: ${(e as Error).message}`);
  }
  return contextsOfText(text, file);
}

/** readContexts of a file's text (`file` names it in errors; `-` for standard input). */
export function contextsOfText(text: string, file: string): SessionFields[] {
  let doc: unknown;
  try {
    doc = parseDocument(text, file);
  } catch (e) {
    if (e instanceof DocumentError) throw new TrafficError(`--metadata-from ${e.message}`);
    throw e;
  }
  const list = Array.isArray(doc)
    ? doc
    : isRecord(doc) && Array.isArray(doc.samples)
      ? doc.samples
      : isRecord(doc) && Array.isArray(doc.contexts)
        ? doc.contexts
        : undefined;
  if (list === undefined || list.length === 0)
    throw new TrafficError(
      `--metadata-from ${file}: must be a non-empty list (or {samples: [...]}) of samples, contexts or metadata objects`,
    );
  return list.map((item, i) => fieldsOf(item, `--metadata-from ${file}: [${i}]`));
}
