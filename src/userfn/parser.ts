/**
 * Parser for UserFn (grammar: ROUTING.md §3). Produces a syntax tree or throws a
 * `syntax_error` / `limit_exceeded` UserFnError naming the column.
 *
 * Nesting (parentheses, calls, `if`, unary operators) is bounded by LIMITS.maxNestingDepth,
 * so hostile input fails cleanly long before the JavaScript stack could overflow; chains of
 * binary operators are parsed by loops and do not nest.
 */
import type { BinaryOp, Node } from "./ast.js";
import { UserFnError } from "./errors.js";
import { type Token, tokenize } from "./lexer.js";
import { LIMITS } from "./limits.js";

const KEYWORDS = new Set(["if", "else", "and", "or", "true", "false", "null"]);

export function parse(source: string): Node {
  if (source.length > LIMITS.maxExpressionLength) {
    throw new UserFnError(
      "limit_exceeded",
      `expression is ${source.length} characters long; the limit is ${LIMITS.maxExpressionLength}`,
      { start: LIMITS.maxExpressionLength, end: source.length },
      source,
    );
  }
  return new Parser(source, tokenize(source)).parseAll();
}

function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of expression";
    case "number":
      return `number ${t.value}`;
    case "string":
      return "string literal";
    case "ident":
      return `'${t.value}'`;
    default:
      return `'${t.kind}'`;
  }
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parseAll(): Node {
    if (this.peek().kind === "eof") this.fail("empty expression", this.peek());
    const node = this.expression();
    const t = this.peek();
    if (t.kind !== "eof") {
      if (t.kind === "ident" && t.value === "else") this.fail("'else' without a matching 'if'", t);
      this.fail(`unexpected ${describe(t)} after a complete expression`, t);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    return this.tokens[this.pos++]!;
  }

  private isWord(t: Token, word: string): boolean {
    return t.kind === "ident" && t.value === word;
  }

  private fail(detail: string, t: { start: number; end: number }): never {
    throw new UserFnError(
      "syntax_error",
      detail,
      { start: t.start, end: Math.max(t.end, t.start + 1) },
      this.source,
    );
  }

  private expect(kind: Token["kind"], what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) this.fail(`expected ${what}, found ${describe(t)}`, t);
    return this.next();
  }

  private enter(t: Token): void {
    if (++this.depth > LIMITS.maxNestingDepth) {
      throw new UserFnError(
        "limit_exceeded",
        `expression nests deeper than ${LIMITS.maxNestingDepth} levels`,
        { start: t.start, end: t.end },
        this.source,
      );
    }
  }

  // level 1: if (c) a else b
  private expression(): Node {
    const t = this.peek();
    if (!this.isWord(t, "if")) return this.or();
    this.enter(t);
    this.next();
    this.expect("(", "'(' after 'if'");
    const cond = this.expression();
    this.expect(")", "')' to close the 'if' condition");
    const then = this.expression();
    const e = this.peek();
    if (!this.isWord(e, "else")) this.fail(`expected 'else' (it is required), found ${describe(e)}`, e);
    this.next();
    const otherwise = this.expression();
    this.depth--;
    return { kind: "if", cond, then, otherwise, start: t.start, end: otherwise.end };
  }

  // level 2: || or
  private or(): Node {
    let left = this.and();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "||" && !this.isWord(t, "or")) return left;
      this.next();
      const right = this.and();
      left = { kind: "or", left, right, start: left.start, end: right.end };
    }
  }

  // level 3: && and
  private and(): Node {
    let left = this.equality();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "&&" && !this.isWord(t, "and")) return left;
      this.next();
      const right = this.equality();
      left = { kind: "and", left, right, start: left.start, end: right.end };
    }
  }

  // level 4: == != (non-associative)
  private equality(): Node {
    const left = this.relational();
    const t = this.peek();
    if (t.kind !== "==" && t.kind !== "!=") return left;
    this.next();
    const right = this.relational();
    const again = this.peek();
    if (again.kind === "==" || again.kind === "!=") {
      this.fail(`'${again.kind}' cannot follow another equality comparison; add parentheses`, again);
    }
    return { kind: "binary", op: t.kind, left, right, start: left.start, end: right.end };
  }

  // level 5: < <= > >= (non-associative)
  private relational(): Node {
    const left = this.additive();
    const t = this.peek();
    if (t.kind !== "<" && t.kind !== "<=" && t.kind !== ">" && t.kind !== ">=") return left;
    this.next();
    const right = this.additive();
    const again = this.peek();
    if (again.kind === "<" || again.kind === "<=" || again.kind === ">" || again.kind === ">=") {
      this.fail(`'${again.kind}' cannot follow another comparison; add parentheses`, again);
    }
    return { kind: "binary", op: t.kind, left, right, start: left.start, end: right.end };
  }

  // level 6: + -
  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "+" && t.kind !== "-") return left;
      this.next();
      const right = this.multiplicative();
      left = { kind: "binary", op: t.kind as BinaryOp, left, right, start: left.start, end: right.end };
    }
  }

  // level 7: * / %
  private multiplicative(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== "*" && t.kind !== "/" && t.kind !== "%") return left;
      this.next();
      const right = this.unary();
      left = { kind: "binary", op: t.kind as BinaryOp, left, right, start: left.start, end: right.end };
    }
  }

  // level 8: ! -
  private unary(): Node {
    const t = this.peek();
    if (t.kind !== "!" && t.kind !== "-") return this.primary();
    this.enter(t);
    this.next();
    const operand = this.unary();
    this.depth--;
    return { kind: "unary", op: t.kind, operand, start: t.start, end: operand.end };
  }

  // level 9: literals, ( … ), calls
  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case "number":
        return { kind: "literal", value: t.value as number, start: t.start, end: t.end };
      case "string":
        return { kind: "literal", value: t.value as string, start: t.start, end: t.end };
      case "(": {
        this.enter(t);
        const inner = this.expression();
        this.expect(")", "')'");
        this.depth--;
        return inner;
      }
      case "ident": {
        const name = t.value as string;
        if (name === "true" || name === "false") {
          return { kind: "literal", value: name === "true", start: t.start, end: t.end };
        }
        if (name === "null") return { kind: "literal", value: null, start: t.start, end: t.end };
        if (name === "if") this.fail("an 'if' expression must be wrapped in parentheses here", t);
        if (KEYWORDS.has(name)) this.fail(`unexpected keyword '${name}'`, t);
        if (this.peek().kind !== "(") {
          this.fail(
            `unknown name '${name}': there are no variables; use get('$.path') to read the context`,
            t,
          );
        }
        return this.call(t, name);
      }
      case "eof":
        return this.fail("unexpected end of expression", t);
      default:
        return this.fail(`unexpected ${describe(t)}`, t);
    }
  }

  private call(nameToken: Token, name: string): Node {
    this.enter(nameToken);
    this.next(); // (
    const args: Node[] = [];
    if (this.peek().kind !== ")") {
      for (;;) {
        args.push(this.expression());
        if (this.peek().kind !== ",") break;
        this.next();
      }
    }
    const close = this.expect(")", `',' or ')' in the call to ${name}`);
    this.depth--;
    return { kind: "call", name, nameEnd: nameToken.end, args, start: nameToken.start, end: close.end };
  }
}
