/**
 * One HTTP call with timeouts and retries (undici). Retries 429, 502, 503, 504 and dropped
 * connections with exponential backoff and full jitter, honouring Retry-After, bounded in
 * attempts and in total time. Whether a call may be retried after an *unknown* outcome (a
 * dropped connection, a gateway error, a timeout: the server may have acted) is the caller's
 * choice (`idempotent`); a 429 or 503 is an explicit refusal and is always retryable.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import type { z } from "zod";
import type { Operation } from "../wire/index.js";
import { ApiError, type ApiErrorCode, codeForStatus } from "./errors.js";
import type { ResolvedOptions } from "./options.js";
import { cut, MESSAGE_LIMITS, redactJson, redactor } from "./redact.js";

export interface CallSpec<T> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path with its query, e.g. `/v2/agent_aliases?limit=10`. */
  path: string;
  /** An absolute URL to call instead of the API's base URL + `path` (the OAuth token URL). */
  url?: string;
  /** A JSON body. */
  body?: unknown;
  /** A form body (`application/x-www-form-urlencoded`), instead of JSON. */
  form?: Record<string, string>;
  /** The answer's schema; omit for 204 answers. */
  schema?: z.ZodType<T>;
  /** True when repeating the call cannot do harm (GET, PUT, PATCH, DELETE, keyed creates). */
  idempotent: boolean;
  /** The API operation (roles.ts), carried by its errors. */
  operation?: Operation;
}

/** How a call authenticates. */
export interface Auth {
  /** Headers to send (fetching a token first when there is none or it is about to expire). */
  headers(): Promise<Record<string, string>>;
  /**
   * The API answered 401 to `sent`: forgets that credential and says whether one more try
   * with a fresh one is worth it (a token may have been revoked or expired early).
   */
  refused(sent: Record<string, string>): boolean;
  /** Which credential this is, for messages: `the API key`, `the OAuth client 'ci'`. */
  readonly describe: string;
}

/** No credential: the API will answer 401, which says so. */
export const NO_AUTH: Auth = { headers: async () => ({}), refused: () => false, describe: "no credential" };

const REFUSED = new Set([429, 503]);
const UNKNOWN_OUTCOME = new Set([502, 504]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Parses Retry-After (seconds or an HTTP date) into milliseconds, or undefined. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

interface Outcome<T> {
  value?: T;
  error?: ApiError;
  /** Retry allowed for this failure, and the server's requested delay if any. */
  retry?: { reason: string; afterMs?: number | undefined };
}

/** The API's words in an error body: `messages`, or OAuth's `error` and `error_description`. */
function errorWords(b: { messages?: unknown; error?: unknown; error_description?: unknown }): string[] {
  if (Array.isArray(b.messages)) return b.messages.filter((m): m is string => typeof m === "string");
  if (typeof b.error === "string")
    return [typeof b.error_description === "string" ? `${b.error}: ${b.error_description}` : b.error];
  return [];
}

/** Messages of an error body kept at most: more say only how many more there were. */
const MAX_MESSAGES = 20;

/**
 * The credentials a request carried (the API key, the bearer token, the form's client
 * secret): an answer that echoes one (a proxy, a token URL, a debugging API) must not carry
 * it into an error.
 */
function sentSecrets(sent: Record<string, string>, form: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(sent)) {
    const n = name.toLowerCase();
    if (n === "x-api-key") out.push(value);
    if (n === "authorization") out.push(value, value.replace(/^\S+\s+/, ""));
  }
  if (form?.client_secret !== undefined) out.push(form.client_secret);
  return out;
}

/** An error body's words, redacted and cut: each message to a bound, and at most MAX_MESSAGES of them. */
function boundedWords(words: readonly string[], clean: (text: string) => string): string[] {
  const kept = words.slice(0, MAX_MESSAGES).map((m) => cut(clean(m), MESSAGE_LIMITS.reason));
  if (words.length > MAX_MESSAGES) kept.push(`… and ${words.length - MAX_MESSAGES} more messages`);
  return kept;
}

/** What an error carries about the call it is about. */
interface CallFacts {
  method: CallSpec<unknown>["method"];
  url: string;
  operation?: Operation;
  credential: string;
}

/** An answer as received: its status, its text and its Retry-After header. */
interface Answer {
  status: number;
  text: string;
  retryAfter: string | string[] | undefined;
}

/** The request's headers and body for `spec`: a form, a JSON body or none. */
function requestOf(spec: CallSpec<unknown>, sent: Record<string, string>) {
  const headers: Record<string, string> = { accept: "application/json", ...sent };
  let payload: string | undefined;
  if (spec.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    payload = new URLSearchParams(spec.form).toString();
  } else if (spec.body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(spec.body);
  }
  return { headers, body: payload ?? null };
}

/** A request that got no answer: a timeout or a network failure as an outcome; anything else is thrown. */
function noAnswer(e: unknown, o: ResolvedOptions, spec: CallSpec<unknown>, facts: CallFacts): Outcome<never> {
  const name = (e as { name?: string }).name;
  if (
    name === "TimeoutError" ||
    name === "AbortError" ||
    (e as { code?: string }).code === "UND_ERR_HEADERS_TIMEOUT"
  ) {
    return {
      error: new ApiError("timeout", `no answer within ${o.timeoutMs} ms`, { ...facts, cause: e }),
      ...(spec.idempotent ? { retry: { reason: "timeout" } } : {}),
    };
  }
  const code = networkCode(e);
  if (!code) throw e;
  // A refused connection never reached the server: safe to retry any call.
  const safe = spec.idempotent || code === "ECONNREFUSED";
  return {
    error: new ApiError("network", `connection failed (${code}): ${(e as Error).message}`, {
      ...facts,
      cause: e,
    }),
    ...(safe ? { retry: { reason: code } } : {}),
  };
}

/** The body as JSON; undefined when it is empty or not JSON. */
function jsonOf(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A 2xx answer: the value its schema parses, or `invalid_response`. */
function success<T>(
  spec: CallSpec<T>,
  answer: Answer,
  json: unknown,
  facts: CallFacts,
  clean: (text: string) => string,
): Outcome<T> {
  if (!spec.schema) return { value: undefined as T };
  const parsed = spec.schema.safeParse(json);
  if (parsed.success) return { value: parsed.data };
  const first = parsed.error.issues[0];
  const where = first ? `${first.path.join(".") || "(body)"}: ${first.message}` : "unparsable body";
  return {
    error: new ApiError("invalid_response", `${answer.status} with an unexpected body (${where})`, {
      ...facts,
      status: answer.status,
      body: json !== undefined ? redactJson(json, clean) : cut(clean(answer.text), MESSAGE_LIMITS.reason),
    }),
  };
}

/** A non-2xx answer as an ApiError, retryable when the status says the server refused or may not have acted. */
function failure(
  spec: CallSpec<unknown>,
  answer: Answer,
  json: unknown,
  facts: CallFacts,
  clean: (text: string) => string,
): Outcome<never> {
  const { status, text } = answer;
  const b = (json !== null && typeof json === "object" ? json : {}) as {
    messages?: unknown;
    request_id?: unknown;
    field_errors?: unknown;
  };
  const messages = boundedWords(errorWords(b), clean);
  const code: ApiErrorCode = codeForStatus(status);
  const summary = `${status}${messages.length > 0 ? ` ${messages.join("; ")}` : text && !json ? ` ${cut(clean(text), 200)}` : ""}`;
  const fieldErrors =
    b.field_errors && typeof b.field_errors === "object"
      ? Object.fromEntries(
          Object.entries(b.field_errors as Record<string, unknown>)
            .slice(0, MAX_MESSAGES)
            .map(([k, v]) => [
              cut(clean(k), MESSAGE_LIMITS.property),
              cut(clean(String(v)), MESSAGE_LIMITS.reason),
            ]),
        )
      : undefined;
  const error = new ApiError(code, summary, {
    ...facts,
    status,
    messages,
    ...(typeof b.request_id === "string" ? { requestId: cut(clean(b.request_id), 100) } : {}),
    ...(fieldErrors !== undefined ? { fieldErrors } : {}),
    body: json !== undefined ? redactJson(json, clean) : cut(clean(text), MESSAGE_LIMITS.reason),
  });
  if (REFUSED.has(status))
    return { error, retry: { reason: String(status), afterMs: retryAfterMs(answer.retryAfter) } };
  if (UNKNOWN_OUTCOME.has(status) && spec.idempotent) return { error, retry: { reason: String(status) } };
  return { error };
}

async function attempt<T>(
  o: ResolvedOptions,
  spec: CallSpec<T>,
  url: string,
  auth: Auth,
  sent: Record<string, string>,
): Promise<Outcome<T>> {
  const facts: CallFacts = {
    method: spec.method,
    url,
    ...(spec.operation !== undefined ? { operation: spec.operation } : {}),
    credential: auth.describe,
  };
  let answer: Answer;
  try {
    const res = await request(url, {
      method: spec.method,
      ...requestOf(spec, sent),
      signal: AbortSignal.timeout(o.timeoutMs),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    const retryAfter = res.headers["retry-after"];
    answer = { status: res.statusCode, retryAfter, text: await res.body.text() };
  } catch (e) {
    return noAnswer(e, o, spec, facts);
  }
  // What the server said may echo what was sent: the credentials go, and long text is cut.
  const clean = redactor(sentSecrets(sent, spec.form));
  const json = jsonOf(answer.text);
  return answer.status >= 200 && answer.status < 300
    ? success(spec, answer, json, facts, clean)
    : failure(spec, answer, json, facts, clean);
}

/**
 * Performs a call with retries; resolves to the parsed answer or rejects with an ApiError.
 * A 401 to a credential that can be renewed (an OAuth token) is tried once more, at once,
 * with a fresh one.
 */
export async function call<T>(o: ResolvedOptions, spec: CallSpec<T>, auth: Auth = NO_AUTH): Promise<T> {
  const url = spec.url ?? o.baseUrl + spec.path;
  const started = Date.now();
  const r = o.retry;
  let renewed = false;
  for (let n = 1; ; n++) {
    const sent = await auth.headers();
    const out = await attempt(o, spec, url, auth, sent);
    if (!out.error) return out.value as T;
    const e = out.error;
    if (e.status === 401 && !renewed && auth.refused(sent)) {
      // Not an attempt of the call: the same attempt again, with a fresh credential.
      renewed = true;
      n--;
      continue;
    }
    const withAttempts = () => e.afterAttempts(n);
    if (!out.retry || n >= r.maxAttempts) throw withAttempts();
    const jitter = Math.random() * Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** (n - 1));
    const asked = out.retry.afterMs;
    if (asked !== undefined && asked > r.maxRetryAfterMs) throw withAttempts();
    const delay = Math.max(jitter, asked ?? 0);
    if (Date.now() - started + delay > r.maxTotalMs) throw withAttempts();
    o.onRetry?.({
      method: spec.method,
      url,
      attempt: n + 1,
      delayMs: Math.round(delay),
      reason: out.retry.reason,
    });
    await sleep(delay);
  }
}
