/**
 * API errors: a status and the API's error body (API.md "Conventions"). Handlers throw
 * ApiError; the app turns it into `{messages, request_id, field_errors?, id?}`.
 */

/** A field that failed validation: `path` as in `policy.rules[1].match`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export type ApiErrorCode =
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

const CODES: Readonly<Record<number, ApiErrorCode>> = {
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

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
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
export function invalid(issues: readonly FieldIssue[], messages?: readonly string[]): ApiError {
  const fieldErrors: Record<string, string> = Object.create(null);
  for (const i of issues) {
    const prev = fieldErrors[i.path];
    fieldErrors[i.path] = prev === undefined ? i.message : `${prev}; ${i.message}`;
  }
  return new ApiError(400, messages ?? issues.map((i) => i.message), fieldErrors);
}

/** A 400 about one field. */
export function invalidField(path: string, detail: string): ApiError {
  return invalid([{ path, message: `${path}: ${detail}` }]);
}

export function notFound(message: string, id: string): ApiError {
  return new ApiError(404, [message], undefined, id);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, [message]);
}
