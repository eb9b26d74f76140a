/**
 * Definite JSONPath for `get` (ROUTING.md §3): `$` followed by `.name`, `['name']`/`["name"]`
 * or `[n]` steps. Wildcards, `..`, filters, slices, unions and negative indexes are rejected
 * with a message naming the offending step and its offset in the path.
 *
 * Written by hand rather than with jsonpath-plus: its `toPathArray` maps `['1']` and `[1]`
 * to the same step, and a quoted `'*'` to a wildcard, while this language must tell a name
 * step (objects only) from an index step (arrays only).
 */

export type PathStep = string | number;

export class PathError extends Error {
  /** Offset of the faulty step inside the path string. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;
// Dot-name characters: letters, digits, _ - $ and any non-ASCII character.
const isNameChar = (c: number) =>
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  isDigit(c) ||
  c === 95 ||
  c === 45 ||
  c === 36 ||
  c >= 0x80;

/** Parses a definite path into steps: strings are object member names, numbers array indexes. */
export function parsePath(path: string): PathStep[] {
  if (path.charCodeAt(0) !== 36) throw new PathError(`path must start with '$'`, 0);
  const steps: PathStep[] = [];
  let i = 1;
  const n = path.length;
  while (i < n) {
    const c = path.charCodeAt(i);
    if (c === 46) {
      // .name
      if (path.charCodeAt(i + 1) === 46)
        throw new PathError(`recursive descent '..' is not a definite path`, i);
      if (path.charCodeAt(i + 1) === 42) throw new PathError(`wildcard '.*' is not a definite path`, i);
      let j = i + 1;
      while (j < n && isNameChar(path.charCodeAt(j))) j++;
      if (j === i + 1) throw new PathError(`expected a member name after '.'`, i);
      steps.push(path.slice(i + 1, j));
      i = j;
    } else if (c === 91) {
      // [ ... ]
      const q = path.charCodeAt(i + 1);
      if (q === 39 || q === 34) {
        const { name, end } = readQuoted(path, i + 1);
        if (path.charCodeAt(end) !== 93) {
          throw new PathError(
            path.charCodeAt(end) === 44
              ? `unions are not a definite path`
              : `expected ']' after the quoted name`,
            end,
          );
        }
        steps.push(name);
        i = end + 1;
      } else {
        const close = path.indexOf("]", i);
        if (close < 0) throw new PathError(`unclosed '['`, i);
        const inner = path.slice(i + 1, close).trim();
        if (/^(0|[1-9][0-9]*)$/.test(inner)) {
          const index = Number(inner);
          if (!Number.isSafeInteger(index)) throw new PathError(`index ${inner} is too large`, i);
          steps.push(index);
        } else if (inner === "*") {
          throw new PathError(`wildcard '[*]' is not a definite path`, i);
        } else if (inner.startsWith("?")) {
          throw new PathError(`filters are not a definite path`, i);
        } else if (inner.startsWith("(")) {
          throw new PathError(`script expressions are not supported`, i);
        } else if (inner.includes(":")) {
          throw new PathError(`slices are not a definite path`, i);
        } else if (inner.includes(",")) {
          throw new PathError(`unions are not a definite path`, i);
        } else if (/^-[0-9]+$/.test(inner)) {
          throw new PathError(`negative indexes are not supported`, i);
        } else {
          throw new PathError(`expected an index or a quoted name inside '[...]', found '${inner}'`, i);
        }
        i = close + 1;
      }
    } else {
      throw new PathError(`unexpected '${path[i]}'; steps are .name, ['name'] or [n]`, i);
    }
  }
  return steps;
}

/** Reads a quoted name starting at `start` (the quote); supports JSON-style backslash escapes. */
function readQuoted(path: string, start: number): { name: string; end: number } {
  const quote = path.charCodeAt(start);
  let name = "";
  let i = start + 1;
  for (;;) {
    if (i >= path.length) throw new PathError(`unterminated quoted name`, start);
    const c = path.charCodeAt(i);
    if (c === quote) return { name, end: i + 1 };
    if (c === 92) {
      const e = path[i + 1];
      const simple: Record<string, string> = {
        "'": "'",
        '"': '"',
        "\\": "\\",
        "/": "/",
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
      };
      if (e !== undefined && Object.hasOwn(simple, e)) {
        name += simple[e];
        i += 2;
      } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(path.slice(i + 2, i + 6))) {
        name += String.fromCharCode(Number.parseInt(path.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        throw new PathError(`invalid escape in quoted name`, i);
      }
    } else {
      name += path[i];
      i++;
    }
  }
}
