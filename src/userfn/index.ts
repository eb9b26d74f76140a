/**
 * UserFn, the expression language of routing rules (ROUTING.md §3): parse, check and compile
 * to closures, with no `eval`, no `new Function` and no evaluation of user text by any library.
 */
import { check } from "./checker.js";
import { compileTree } from "./compiler.js";
import { isUserFnError, type UserFnError } from "./errors.js";
import type { Evaluator } from "./evaluator.js";
import { parse } from "./parser.js";
import { encodeValue, type ValueType } from "./values.js";

export type { Node } from "./ast.js";
export { check } from "./checker.js";
export {
  compileCheckedTree,
  compileTree,
  equalityWithLiteral,
  literalGet,
} from "./compiler.js";
export type { SourceRange, UserFnErrorCode } from "./errors.js";
export { isUserFnError, renderCaret, UserFnError } from "./errors.js";
export type { Evaluator } from "./evaluator.js";
export type {
  ArgKind,
  ArgType,
  Arity,
  CallSite,
  Fail,
  Implementation,
  Reads,
  UserFunction,
} from "./functions.js";
export { FUNCTIONS, readsInput } from "./functions.js";
export { LIMITS } from "./limits.js";
export { type MemberLoad, memberLoad } from "./member.js";
export { parse } from "./parser.js";
export { type PathStep, parsePath } from "./path.js";
export { isConstantlyFalse, normalizeExpression, printExpression } from "./print.js";
export { compilePathReader, memberPath, present } from "./reader.js";
export { didYouMean, editDistance, nearestNames } from "./suggest.js";
export type { Value, ValueType } from "./values.js";
export {
  canonicalJson,
  DateTime,
  Duration,
  encodeValue,
  MAX_DATETIME_MS,
  MAX_VALUE_DEPTH,
  typeOf,
  ValueDepthError,
} from "./values.js";

/**
 * Parses and checks `source`, returning every static diagnostic (a parse error is the only
 * one, since parsing stops there). Never throws for bad input.
 */
export function diagnose(source: string): UserFnError[] {
  try {
    return check(parse(source), source);
  } catch (e) {
    if (isUserFnError(e)) return [e];
    throw e;
  }
}

/**
 * Compiles `source` to an evaluator. Throws the first static UserFnError when the
 * expression does not parse or check.
 */
export function compileExpression(source: string): Evaluator {
  return compileTree(parse(source), source);
}

/**
 * Evaluates one expression against a context, encoded as the CLI's `eval` prints it:
 * `{type, value}`, a datetime as an ISO-8601 string, a duration in seconds. Throws a
 * UserFnError: static (`isStatic`) for parse/check problems, `type_error` for evaluation.
 */
export function evaluate(source: string, context: unknown): { type: ValueType; value: unknown } {
  return encodeValue(compileExpression(source)(context));
}
