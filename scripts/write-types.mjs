#!/usr/bin/env node
/**
 * Writes the package's declarations for the resolvers that cannot read the ES-module ones
 * tsc emits (dist/**\/*.d.ts, which `exports` gives `import` and `bundler` resolution):
 *
 * - dist/types/cjs/**\/*.d.cts, for `require` under `moduleResolution` node16/nodenext: the
 *   same declarations as CommonJS ones, relative imports ending in `.cjs`. Node.js 22.12 and
 *   later load the package's ES modules with `require()`, so a CommonJS program gets the very
 *   exports these declare.
 * - dist/types/node10/**\/*.d.ts, for `moduleResolution: node` ("node10", the resolution of
 *   Pulumi's TypeScript templates until 2026), which reads `types`/`typesVersions` and not
 *   `exports`: the same declarations, with `zod` imported as its ES-module declarations
 *   (`zod/index.js`), because zod's CommonJS ones do not compile without `esModuleInterop`.
 *
 * Run by `npm run build` after tsc. Every declaration file is copied; only import
 * specifiers change.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const out = join(dist, "types");

/** Bare specifiers the node10 declarations import from another file of the package. */
const NODE10_SPECIFIERS = { zod: "zod/index.js" };

/** Rewrites every module specifier of a declaration file (`from "x"`, `import("x")`). */
function rewrite(text, map) {
  return text.replace(
    /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])([^"']+)\2/g,
    (whole, lead, quote, spec) => {
      const next = map(spec);
      return next === spec ? whole : `${lead}${quote}${next}${quote}`;
    },
  );
}

const isRelative = (spec) => spec.startsWith("./") || spec.startsWith("../");

function* declarations(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (path !== out) yield* declarations(path);
    } else if (e.name.endsWith(".d.ts")) yield path;
  }
}

rmSync(out, { recursive: true, force: true });
let count = 0;
for (const file of declarations(dist)) {
  const rel = relative(dist, file);
  const text = readFileSync(file, "utf8");
  const cjs = join(out, "cjs", rel.replace(/\.d\.ts$/, ".d.cts"));
  mkdirSync(dirname(cjs), { recursive: true });
  writeFileSync(
    cjs,
    rewrite(text, (spec) => (isRelative(spec) ? spec.replace(/\.js$/, ".cjs") : spec)),
  );
  const node10 = join(out, "node10", rel);
  mkdirSync(dirname(node10), { recursive: true });
  writeFileSync(
    node10,
    rewrite(text, (spec) => NODE10_SPECIFIERS[spec] ?? spec),
  );
  count++;
}
console.log(
  `write-types: ${count} declaration files, as CommonJS (dist/types/cjs) and for node10 (dist/types/node10)`,
);
