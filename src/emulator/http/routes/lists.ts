/**
 * Lists (API.md "Conventions"): page keys (`metadata.page_key`, opaque to clients), the list
 * body, and the `filter` regular expression of alias and session lists.
 */
import v8 from "node:v8";
import { invalidField } from "../../errors.js";
import { EMULATOR_LIMITS } from "../../limits.js";
import type { PageRequest } from "../../state/reads.js";

const PAGE_KEY_RE = /^([a-z]+):(\d{1,15})$/;

function pageKey(collection: string, seq: number): string {
  return Buffer.from(`${collection}:${seq}`).toString("base64url");
}

function readPageKey(collection: string, key: string | undefined): number {
  if (key === undefined) return 0;
  const m = PAGE_KEY_RE.exec(Buffer.from(key, "base64url").toString("latin1"));
  if (!m || m[1] !== collection) throw invalidField("page_key", "is not a page key of this list");
  return Number(m[2]);
}

/** The page a list query asks for; a 400 when `page_key` is not one of this collection's. */
export function pageRequest(
  collection: string,
  q: { limit?: number | undefined; page_key?: string | undefined },
): PageRequest {
  return { limit: q.limit ?? EMULATOR_LIMITS.listLimit.default, after: readPageKey(collection, q.page_key) };
}

/** `{[name]: items, metadata: {page_key?}}`. */
export function listBody<T>(
  name: string,
  collection: string,
  page: { items: T[]; next: number | undefined },
) {
  return {
    [name]: page.items,
    metadata: page.next === undefined ? {} : { page_key: pageKey(collection, page.next) },
  };
}

let linearRegExp: boolean | undefined;
/** V8's flag for its linear-time regular expression engine. */
const LINEAR_FLAG = "l";

/**
 * Compiles a list `filter` (aliases, sessions). User regular expressions run on V8's
 * linear-time engine (the `l` flag; the V8 flag set here only makes that regexp flag available), so no pattern
 * can stall the server. Patterns that engine cannot run (backreferences, lookahead, large
 * counted repetitions) are a 400. Matching is case-sensitive (`[Ss]upport`).
 */
export function compileFilter(source: string): RegExp {
  if (source.length > EMULATOR_LIMITS.maxFilterLength) {
    throw invalidField("filter", `must be at most ${EMULATOR_LIMITS.maxFilterLength} characters`);
  }
  if (linearRegExp === undefined) {
    try {
      v8.setFlagsFromString("--enable-experimental-regexp-engine");
      linearRegExp = new RegExp("a", LINEAR_FLAG).test("a");
    } catch {
      linearRegExp = false;
    }
  }
  try {
    return new RegExp(source, linearRegExp ? LINEAR_FLAG : "");
  } catch (e) {
    const msg = (e as Error).message;
    if (/linear time/.test(msg)) {
      throw invalidField(
        "filter",
        "cannot run in linear time (backreferences, lookahead and large counted repetitions are not supported)",
      );
    }
    throw invalidField("filter", `is not a valid regular expression: ${msg}`);
  }
}
