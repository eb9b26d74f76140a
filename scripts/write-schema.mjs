#!/usr/bin/env node
// Writes schema.json at the repository root: the native provider's package schema
// (src/native/schema.ts, built to dist/ first: `npm run schema` builds and runs this) at the
// version in package.json, as 2-space JSON laid out by the repository's formatter (biome), so
// `npm run lint` accepts the file as written. SDK generation (`npm run sdk`) reads that file,
// and test/native/schema-file.test.ts fails when it differs from packageSchema(version).
// Options: --check (write nothing; exit 1 when schema.json is not current).
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { packageSchema } from "../dist/native/schema.js";

const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
const repo = fileURLToPath(new URL("..", import.meta.url));
const file = `${repo}schema.json`;
const { version } = JSON.parse(readFileSync(`${repo}package.json`, "utf8"));
const text = execFileSync(`${repo}node_modules/.bin/biome`, ["format", "--stdin-file-path=schema.json"], {
  cwd: repo,
  input: `${JSON.stringify(packageSchema(version), null, 2)}\n`,
  encoding: "utf8",
});

let current = "";
try {
  current = readFileSync(file, "utf8");
} catch (err) {
  if (err.code !== "ENOENT") throw err;
}
if (values.check) {
  if (current !== text) {
    console.error("schema.json is not current: run `npm run schema`");
    process.exitCode = 1;
  }
} else if (current === text) {
  console.log(`schema.json is current (version ${version})`);
} else {
  // Written beside and renamed, so a reader never sees half a file.
  writeFileSync(`${file}.partial`, text);
  renameSync(`${file}.partial`, file);
  console.log(`wrote schema.json (version ${version})`);
}
