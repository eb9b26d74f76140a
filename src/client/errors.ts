/**
 * Errors of the API client. One class with a stable `code`; match on `code`, not
 * `instanceof` (errors cross the dynamic-provider process boundary). The parts of a failure
 * (status, the API's messages, the operation, attempts) are fields; the message is made from
 * them once and never parsed back.
 */
import type { Operation } from "../wire/index.js";
import { cut } from "./redact.js";

export type ApiErrorCode =
  | "bad_request" // 400
  | "unauthorized" // 401: no credential, a wrong one, or an OAuth client the token URL refused
  | "forbidden" // 403: the credential's roles do not allow the call
  | "not_found" // 404
  | "conflict" // 409
  | "payload_too_large" // 413
  | "rate_limited" // 429
  | "server_error" // 5xx
  | "http_error" // any other non-2xx
  | "timeout" // no answer within the per-call timeout
  | "network" // connection refused, reset, closed
  | "invalid_response"; // a 2xx whose body does not match the wire schema

export interface ApiErrorDetails {
  status?: number;
  method: string;
  url: string;
  /** The API operation (roles.ts), when the call was one. */
  operation?: Operation | undefined;
  /** Which credential the call presented, for messages: `the API key`, `the OAuth client 'ci'`. */
  credential?: string | undefined;
  messages?: string[];
  requestId?: string;
  fieldErrors?: Record<string, string>;
  body?: unknown;
  attempts?: number;
  cause?: unknown;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
  readonly status: number | undefined;
  readonly method: string;
  readonly url: string;
  /** The API's `messages`, when it answered with an error body. */
  readonly messages: string[];
  readonly requestId: string | undefined;
  readonly fieldErrors: Record<string, string> | undefined;
  readonly body: unknown;
  /** How many attempts were made (1 when not retried). */
  readonly attempts: number;
  readonly operation: Operation | undefined;
  readonly credential: string | undefined;
  /** What went wrong, without the method, URL, request id and attempts that the message adds. */
  readonly summary: string;
  private readonly details: ApiErrorDetails;

  constructor(code: ApiErrorCode, summary: string, d: ApiErrorDetails) {
    const rid = d.requestId ? ` (request_id ${d.requestId})` : "";
    const tries = d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : "";
    super(
      `${d.method} ${cut(d.url, 300)}: ${summary}${rid}${tries}`,
      d.cause === undefined ? undefined : { cause: d.cause },
    );
    this.code = code;
    this.status = d.status;
    this.method = d.method;
    this.url = d.url;
    this.messages = d.messages ?? [];
    this.requestId = d.requestId;
    this.fieldErrors = d.fieldErrors;
    this.body = d.body;
    this.attempts = d.attempts ?? 1;
    this.operation = d.operation;
    this.credential = d.credential;
    this.summary = summary;
    this.details = d;
  }

  /** The same failure, counted over `attempts` attempts. */
  afterAttempts(attempts: number): ApiError {
    if (attempts === this.attempts) return this;
    return new ApiError(this.code, this.summary, { ...this.details, attempts });
  }

  /** The API's own words when it gave any, else the whole message. */
  get apiMessage(): string {
    return this.messages.length > 0 ? this.messages.join("; ") : this.message;
  }
}

export function codeForStatus(status: number): ApiErrorCode {
  if (status === 400) return "bad_request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  return "http_error";
}

/** Duck-typed check that survives process and realm boundaries. */
export function isApiError(e: unknown, code?: ApiErrorCode): e is ApiError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "ApiError" &&
    (code === undefined || (e as { code?: unknown }).code === code)
  );
}
