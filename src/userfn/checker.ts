/**
 * The checker: finds every static problem of a parsed expression (unknown functions, wrong
 * arities, `path` arguments that are not definite string literals) and returns them as data.
 * What a function accepts comes from its FUNCTIONS entry.
 */
import type { Node } from "./ast.js";
import { UserFnError } from "./errors.js";
import { describeArity, FUNCTIONS } from "./functions.js";
import { PathError, parsePath } from "./path.js";
import { didYouMean } from "./suggest.js";

/** Returns all static diagnostics of `node`, in source order; empty when the tree is sound. */
export function check(node: Node, source: string): UserFnError[] {
  const out: UserFnError[] = [];
  visit(node, source, out);
  return out.sort((a, b) => a.range.start - b.range.start);
}

function visit(node: Node, source: string, out: UserFnError[]): void {
  switch (node.kind) {
    case "literal":
      return;
    case "unary":
      visit(node.operand, source, out);
      return;
    case "binary":
    case "and":
    case "or":
      visit(node.left, source, out);
      visit(node.right, source, out);
      return;
    case "if":
      visit(node.cond, source, out);
      visit(node.then, source, out);
      visit(node.otherwise, source, out);
      return;
    case "call": {
      const fn = FUNCTIONS.get(node.name);
      const nameRange = { start: node.start, end: node.nameEnd };
      if (!fn) {
        out.push(
          new UserFnError(
            "unknown_function",
            `unknown function '${node.name}'`,
            nameRange,
            source,
            didYouMean(node.name, FUNCTIONS.keys()),
          ),
        );
      } else if (node.args.length < fn.arity.min || node.args.length > fn.arity.max) {
        out.push(
          new UserFnError(
            "wrong_arity",
            `function '${node.name}' takes ${describeArity(fn.arity)}, got ${node.args.length}`,
            nameRange,
            source,
          ),
        );
      } else {
        node.args.forEach((arg, i) => {
          if (fn.args[i] === "path") checkPath(node.name, arg, source, out);
        });
      }
      for (const arg of node.args) visit(arg, source, out);
    }
  }
}

function checkPath(name: string, arg: Node, source: string, out: UserFnError[]): void {
  if (arg.kind !== "literal" || typeof arg.value !== "string") {
    out.push(
      new UserFnError(
        "invalid_path",
        `the path given to ${name}() must be a string literal such as '$.session.key'`,
        arg,
        source,
      ),
    );
    return;
  }
  try {
    parsePath(arg.value);
  } catch (e) {
    if (!(e instanceof PathError)) throw e;
    out.push(new UserFnError("invalid_path", `invalid path '${arg.value}': ${e.message}`, arg, source));
  }
}
