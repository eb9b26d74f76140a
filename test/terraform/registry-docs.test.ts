/**
 * docs/terraform is the provider's schema written out in the Terraform Registry's layout
 * (`npm run docs:terraform`): a page per provider, resource, data source and function, each
 * attribute of the schema on it. When the schema, its tables or the examples change and the
 * pages were not rewritten, this fails. The pages' usage examples are valid configuration
 * for real OpenTofu.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TF_DATA_SOURCES } from "../../src/terraform/data-sources.js";
import { loadExamples, registryDocs } from "../../src/terraform/docs.js";
import { TF_FUNCTIONS } from "../../src/terraform/functions.js";
import { TF_RESOURCES } from "../../src/terraform/resources.js";
import { REPO } from "../helpers/cli.js";
import { TofuWorkspace } from "../helpers/tofu.js";

const DOCS = join(REPO, "docs/terraform");
const EXAMPLES = join(REPO, "examples/terraform/registry");
const pages = registryDocs(loadExamples(EXAMPLES));
let ws: TofuWorkspace | undefined;
afterAll(() => ws?.dispose());

const committed = (dir: string, at = ""): string[] =>
  readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? committed(dir, join(at, e.name)) : [join(at, e.name)],
  );

describe("docs/terraform", () => {
  it("holds exactly the pages the schema gives, as it gives them", () => {
    expect(committed(DOCS).sort()).toEqual(Object.keys(pages).sort());
    for (const [path, text] of Object.entries(pages))
      expect(
        readFileSync(join(DOCS, path), "utf8"),
        `docs/terraform/${path} is stale: run \`npm run docs:terraform\``,
      ).toBe(text);
  });

  it("has a page for every resource, data source and function the provider serves", () => {
    const strip = (n: string) => n.replace(/^agentalias_/, "");
    expect(Object.keys(pages).sort()).toEqual(
      [
        "index.md",
        ...[...TF_RESOURCES.keys()].map((n) => `resources/${strip(n)}.md`),
        ...[...TF_DATA_SOURCES.keys()].map((n) => `data-sources/${strip(n)}.md`),
        ...[...TF_FUNCTIONS.keys()].map((n) => `functions/${n}.md`),
      ].sort(),
    );
  });

  it("its usage examples are valid configuration (tofu validate)", async () => {
    const files = Object.fromEntries(
      Object.entries(loadExamples(EXAMPLES))
        .filter(([page]) => !page.endsWith(":import"))
        .map(([page, hcl]) => [`${page.replaceAll("/", "_")}.tf`, hcl]),
    );
    ws = new TofuWorkspace(files);
    await ws.init();
    const r = await ws.run(["validate"]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("The configuration is valid.");
  });
});
