/**
 * Errors of the UserFn language. Every error carries a stable `code` and the source range
 * it is about; `format()` renders the source with a caret line under that range.
 * Match on `code`, not `instanceof`: errors may cross a process boundary as plain objects.
 */

export type UserFnErrorCode =
  /** The text does not parse (unexpected token, unterminated string, …). */
  | "syntax_error"
  /** A call names a function the language does not have. */
  | "unknown_function"
  /** A call has the wrong number of arguments. */
  | "wrong_arity"
  /** A `get` path is not a string literal holding a definite JSONPath. */
  | "invalid_path"
  /** The expression is longer or deeper than LIMITS allow. */
  | "limit_exceeded"
  /** Evaluation met a value of the wrong type (`1 < 'a'`, `!5`, `abs('a')`). */
  | "type_error";

/** A half-open range of UTF-16 offsets into the expression source. */
export interface SourceRange {
  readonly start: number;
  readonly end: number;
}

export class UserFnError extends Error {
  override readonly name = "UserFnError";
  readonly code: UserFnErrorCode;
  /** The problem without its position, e.g. `unknown function 'lower'`. */
  readonly detail: string;
  readonly range: SourceRange;
  readonly source: string;
  /** A suggestion after the position, e.g. `did you mean 'sqrt'?`; "" when none. */
  readonly hint: string;

  constructor(code: UserFnErrorCode, detail: string, range: SourceRange, source: string, hint = "") {
    // Evaluation errors are reported without a column (ROUTING.md §3 example:
    // `rule #1: match: cannot compare string with number`); static errors name the column.
    const located = code === "type_error" ? detail : `${detail} at column ${range.start + 1}`;
    super(hint === "" ? located : `${located}; ${hint}`);
    this.code = code;
    this.detail = detail;
    this.range = range;
    this.source = source;
    this.hint = hint;
  }

  /** True for errors found before evaluation (parse and check), false for evaluation errors. */
  get isStatic(): boolean {
    return this.code !== "type_error";
  }

  /** The message, the source line, and a caret line under the faulty range. */
  format(): string {
    return `${this.message}\n${renderCaret(this.source, this.range)}`;
  }
}

/** Two lines: the source, and carets under `range` (at least one caret). */
export function renderCaret(source: string, range: SourceRange): string {
  const oneLine = source.replace(/[\r\n\t]/g, " ");
  const start = Math.min(Math.max(range.start, 0), oneLine.length);
  const width = Math.max(1, Math.min(range.end, oneLine.length) - start);
  return `  ${oneLine}\n  ${" ".repeat(start)}${"^".repeat(width)}`;
}

/** Duck-typed check that survives realms and serialization boundaries. */
export function isUserFnError(e: unknown): e is UserFnError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "UserFnError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}
