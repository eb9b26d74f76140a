#!/usr/bin/env node
/**
 * Size limits of the source, run by `npm run lint`: a file in src/ has at most 400 lines, a
 * file in src/emulator/ at most 300, and a function (declaration, expression, arrow, method,
 * accessor or constructor) at most 120, counted from its first token to its last. Prints one
 * line per excess and exits 1 when there is any. `--root DIR` checks DIR/src instead of the
 * repository's; `--no-allow` ignores the temporary allow-list.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const LIMITS = Object.freeze({ file: 400, emulatorFile: 300, function: 120 });

/**
 * TEMPORARY: what other engineers are splitting right now, to be emptied once their work is
 * merged. `files` lifts the file limit; `functions` lifts the function limit, by
 * `file#name` or for every function under `dir/**`.
 */
export const TEMPORARY_ALLOW = Object.freeze({
  files: ["src/policy/canary.ts", "src/rollout/gates.ts"],
  functions: [
    "src/rollout/runner.ts#runRollout",
    "src/rollout/stack.ts#automationStack",
    "src/rollout/start.ts#decideStart",
  ],
});

const NO_ALLOW = Object.freeze({ files: [], functions: [] });

/** Whether `file` (or `file#name`) is in `patterns`, where `dir/**` stands for every file under dir. */
const listed = (patterns, file, name) =>
  patterns.some((pattern) =>
    pattern.endsWith("/**")
      ? file.startsWith(pattern.slice(0, -2))
      : pattern === file || (name !== undefined && pattern === `${file}#${name}`),
  );

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

/** Every excess under `root`/src, as printable lines, less what `allow` lists. */
export function checkSizes(root, allow = TEMPORARY_ALLOW) {
  const problems = [];
  for (const path of sourceFiles(join(root, "src"))) {
    const file = relative(root, path).split(sep).join("/");
    const text = readFileSync(path, "utf8");
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    const limit = file.startsWith("src/emulator/") ? LIMITS.emulatorFile : LIMITS.file;
    if (lines > limit && !listed(allow.files, file))
      problems.push(`${file}: ${lines} lines (limit ${limit})`);
    for (const f of longFunctions(text, file)) {
      if (listed(allow.functions, file, f.name)) continue;
      problems.push(`${file}:${f.line}: function ${f.name} has ${f.lines} lines (limit ${LIMITS.function})`);
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--root");
  const root =
    at >= 0 ? resolve(process.argv[at + 1] ?? ".") : dirname(dirname(fileURLToPath(import.meta.url)));
  const problems = checkSizes(root, process.argv.includes("--no-allow") ? NO_ALLOW : TEMPORARY_ALLOW);
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check-sizes: ${problems.length} over the limits (split the file or function)`);
    process.exitCode = 1;
  }
}
