/**
 * Lexer for UserFn: turns source text into tokens with UTF-16 source offsets.
 * Fails with a `syntax_error` UserFnError on the first character it cannot use.
 */
import { UserFnError } from "./errors.js";

export type TokenKind =
  | "number"
  | "string"
  | "ident"
  | "("
  | ")"
  | ","
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "!"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=="
  | "!="
  | "&&"
  | "||"
  | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** For `number`: the numeric value; for `string`: the unescaped text; for `ident`: the name. */
  readonly value: string | number;
  readonly start: number;
  readonly end: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdentStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number) => isIdentStart(c) || isDigit(c);

/**
 * The engine's shared copy of `s` (V8 keeps one copy of every property name, and of short
 * strings from JSON.parse, in its string table). A literal held as that copy compares with
 * such a value by identity, where a literal sliced from the source compares by content
 * (docs/development.md, "Inside the resolver").
 */
function internalize(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  const fail = (detail: string, start: number, end = start + 1): never => {
    throw new UserFnError("syntax_error", detail, { start, end }, source);
  };
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c) || (c === 46 && isDigit(source.charCodeAt(i + 1)))) {
      while (isDigit(source.charCodeAt(i))) i++;
      if (source.charCodeAt(i) === 46) {
        i++;
        while (isDigit(source.charCodeAt(i))) i++;
      }
      const e = source.charCodeAt(i);
      if (e === 101 || e === 69) {
        let j = i + 1;
        const sign = source.charCodeAt(j);
        if (sign === 43 || sign === 45) j++;
        if (!isDigit(source.charCodeAt(j))) fail("malformed number exponent", start, j);
        while (isDigit(source.charCodeAt(j))) j++;
        i = j;
      }
      if (isIdentStart(source.charCodeAt(i))) fail("unexpected character after number", i);
      tokens.push({ kind: "number", value: Number(source.slice(start, i)), start, end: i });
      continue;
    }
    if (c === 39) {
      // Single-quoted string; '' is an escaped quote.
      let text = "";
      let j = i + 1;
      for (;;) {
        if (j >= n) fail("unterminated string literal", start, n);
        const q = source.indexOf("'", j);
        if (q < 0) fail("unterminated string literal", start, n);
        text += source.slice(j, q);
        if (source.charCodeAt(q + 1) === 39) {
          text += "'";
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      tokens.push({ kind: "string", value: internalize(text), start, end: i });
      continue;
    }
    if (c === 34) fail("double-quoted strings are not supported; use single quotes ('text')", start);
    if (isIdentStart(c)) {
      while (isIdentPart(source.charCodeAt(i))) i++;
      tokens.push({ kind: "ident", value: source.slice(start, i), start, end: i });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === "<=" || two === ">=" || two === "==" || two === "!=" || two === "&&" || two === "||") {
      if (two === "==" && source.charCodeAt(i + 2) === 61)
        fail("'===' is not an operator; use '=='", start, i + 3);
      if (two === "!=" && source.charCodeAt(i + 2) === 61)
        fail("'!==' is not an operator; use '!='", start, i + 3);
      tokens.push({ kind: two, value: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    const ch = source[i]!;
    switch (ch) {
      case "(":
      case ")":
      case ",":
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
      case "!":
      case "<":
      case ">":
        tokens.push({ kind: ch, value: ch, start, end: i + 1 });
        i++;
        continue;
      case "=":
        fail("unexpected '='; use '==' to compare", start);
        break;
      case "?":
        fail("'?:' is not part of the language; use if (cond) a else b", start);
        break;
      case "&":
        fail("unexpected '&'; use '&&' or 'and'", start);
        break;
      case "|":
        fail("unexpected '|'; use '||' or 'or'", start);
        break;
      default: {
        const cp = source.codePointAt(i)!;
        fail(`unexpected character '${String.fromCodePoint(cp)}'`, start, start + (cp > 0xffff ? 2 : 1));
      }
    }
  }
  tokens.push({ kind: "eof", value: "", start: n, end: n });
  return tokens;
}
