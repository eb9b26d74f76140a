/**
 * Expressions as structure, for comparing policies: a canonical print that forgets spelling,
 * and the test for a match that can never be true. Neither throws.
 */
import type { Node } from "./ast.js";
import { compileTree } from "./compiler.js";
import type { Evaluator } from "./evaluator.js";
import { readsInput } from "./functions.js";
import { parse } from "./parser.js";

/**
 * The canonical text of a tree: literals as JSON, every operator parenthesised, `and`/`or`
 * as `&&`/`||`, `if (c) a else b` as `if(c, a, b)`. Two trees print alike exactly when they
 * are the same tree (ranges aside).
 */
export function printExpression(node: Node): string {
  switch (node.kind) {
    case "literal":
      return JSON.stringify(node.value);
    case "unary":
      return `${node.op}(${printExpression(node.operand)})`;
    case "binary":
      return `(${printExpression(node.left)} ${node.op} ${printExpression(node.right)})`;
    case "and":
      return `(${printExpression(node.left)} && ${printExpression(node.right)})`;
    case "or":
      return `(${printExpression(node.left)} || ${printExpression(node.right)})`;
    case "if":
      return `if(${printExpression(node.cond)}, ${printExpression(node.then)}, ${printExpression(node.otherwise)})`;
    case "call":
      return `${node.name}(${node.args.map(printExpression).join(", ")})`;
  }
}

/**
 * An expression's structure without its spelling: whitespace, parentheses, `and`/`&&`,
 * `or`/`||` and quoting do not matter. Text that does not parse is returned trimmed, so it
 * compares as written.
 */
export function normalizeExpression(source: string): string {
  try {
    return printExpression(parse(source));
  } catch {
    return source.trim();
  }
}

/**
 * True when `node` reads nothing from the context or the clock (readsInput) and evaluates,
 * against `{}`, to false or null: a match that can never be true. False when the tree does
 * not check or its evaluation fails. `compiled`, the tree's evaluator when the caller has
 * one already (a checked policy), saves compiling it again.
 */
export function isConstantlyFalse(node: Node, compiled?: Evaluator): boolean {
  if (readsInput(node)) return false;
  try {
    const v = (compiled ?? compileTree(node))({});
    return v === false || v === null;
  } catch {
    return false;
  }
}
