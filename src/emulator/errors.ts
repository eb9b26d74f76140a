/**
 * The error answers the emulator sends: a status and the API's error body (API.md
 * "Conventions"). Handlers throw an HttpProblem; the app turns it into
 * `{messages, request_id, field_errors?, id?}`. (Not the client's HttpProblem, which is a failed
 * call as the client sees it.)
 */

/** A field that failed validation: `path` as in `policy.rules[1].match`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export type HttpProblemCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "unavailable"
  | "internal";

const CODES: Readonly<Record<number, HttpProblemCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  503: "unavailable",
};

/** An error answer: thrown by a handler (or the store), sent by the app as the API's error body. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  readonly code: HttpProblemCode;
  constructor(
    readonly status: number,
    readonly messages: readonly string[],
    readonly fieldErrors?: Readonly<Record<string, string>>,
    /** The key that was not found (404 only). */
    readonly id?: string,
  ) {
    super(messages.join("; "));
    this.code = CODES[status] ?? "internal";
  }
}

/** A 400 from field issues: one message each, and `field_errors` keyed by path. */
export function invalid(issues: readonly FieldIssue[], messages?: readonly string[]): HttpProblem {
  const fieldErrors: Record<string, string> = Object.create(null);
  for (const i of issues) {
    const prev = fieldErrors[i.path];
    fieldErrors[i.path] = prev === undefined ? i.message : `${prev}; ${i.message}`;
  }
  return new HttpProblem(400, messages ?? issues.map((i) => i.message), fieldErrors);
}

/** A 400 about one field. */
export function invalidField(path: string, detail: string): HttpProblem {
  return invalid([{ path, message: `${path}: ${detail}` }]);
}

export function notFound(message: string, id: string): HttpProblem {
  return new HttpProblem(404, [message], undefined, id);
}

export function conflict(message: string): HttpProblem {
  return new HttpProblem(409, [message]);
}
