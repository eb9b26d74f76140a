#!/usr/bin/env node
/**
 * Size limits of the source, run by `npm run lint`: a file in src/ has at most 400 lines, a
 * file in src/emulator/ at most 300, and a function (declaration, expression, arrow, method,
 * accessor or constructor) at most 120, counted from its first token to its last. Prints one
 * line per excess and exits 1 when there is any. `--root DIR` checks DIR/src instead of the
 * repository's. There is no allow-list: split the file or the function.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const LIMITS = Object.freeze({ file: 400, emulatorFile: 300, function: 120 });

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|cts)$/.test(entry.name)) yield path;
  }
}

const isFunction = (node) =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node);

function functionName(node, source) {
  if (ts.isConstructorDeclaration(node)) return "constructor";
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (
    parent &&
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))
  )
    return parent.name.getText(source);
  return "(anonymous)";
}

/** The functions of one source text longer than `limit` lines, as `{name, line, lines}`. */
export function longFunctions(text, fileName, limit = LIMITS.function) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (isFunction(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > limit) found.push({ name: functionName(node, source), line: first + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every excess under `root`/src, as printable lines. */
export function checkSizes(root) {
  const problems = [];
  for (const path of sourceFiles(join(root, "src"))) {
    const file = relative(root, path).split(sep).join("/");
    const text = readFileSync(path, "utf8");
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    const limit = file.startsWith("src/emulator/") ? LIMITS.emulatorFile : LIMITS.file;
    if (lines > limit) problems.push(`${file}: ${lines} lines (limit ${limit})`);
    for (const f of longFunctions(text, file)) {
      problems.push(`${file}:${f.line}: function ${f.name} has ${f.lines} lines (limit ${LIMITS.function})`);
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--root");
  const root =
    at >= 0 ? resolve(process.argv[at + 1] ?? ".") : dirname(dirname(fileURLToPath(import.meta.url)));
  const problems = checkSizes(root);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check-sizes: ${problems.length} over the limits (split the file or function)`);
    process.exitCode = 1;
  }
}
