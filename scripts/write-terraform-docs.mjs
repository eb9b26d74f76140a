#!/usr/bin/env node
// Writes the Terraform provider's reference pages (Terraform Registry docs layout) into
// docs/terraform/ from the provider's schema (src/terraform/docs.ts, built to dist/ first:
// `npm run docs:terraform` builds and runs this), with the usage examples of
// examples/terraform/registry. test/terraform/registry-docs.test.ts fails when the pages
// differ from what the schema gives. Options: --check (write nothing; exit 1 when stale).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadExamples, registryDocs } from "../dist/terraform/docs.js";

const { values } = parseArgs({ options: { check: { type: "boolean", default: false } } });
const repo = fileURLToPath(new URL("..", import.meta.url));
const out = join(repo, "docs/terraform");
const pages = registryDocs(loadExamples(join(repo, "examples/terraform/registry")));
const stale = Object.entries(pages).filter(([path, text]) => {
  try {
    return readFileSync(join(out, path), "utf8") !== text;
  } catch {
    return true;
  }
});
if (values.check) {
  for (const [path] of stale)
    console.error(`docs/terraform/${path} is stale: run \`npm run docs:terraform\``);
  process.exit(stale.length > 0 ? 1 : 0);
}
rmSync(out, { recursive: true, force: true });
for (const [path, text] of Object.entries(pages)) {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), text);
}
console.log(`wrote ${Object.keys(pages).length} pages in docs/terraform/`);
