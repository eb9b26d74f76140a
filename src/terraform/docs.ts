/**
 * Reference pages for the provider in the Terraform Registry's docs layout (`index.md`,
 * `resources/<name>.md`, `data-sources/<name>.md`, `functions/<name>.md`), written from the
 * provider's schema (schema.ts) and nothing else, with the usage examples given beside them.
 * `npm run docs:terraform` writes them to docs/terraform/; a test fails when they differ
 * from what the schema gives.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROVIDER_NAME, PROVIDER_SOURCE, typeName } from "./names.js";
import {
  type Attr,
  type Block,
  DATA_SOURCE_BLOCKS,
  FUNCTION_BLOCKS,
  type FunctionBlock,
  providerBlock,
  RESOURCE_BLOCKS,
} from "./schema.js";
import type { TfType } from "./types.js";

/** Usage examples by page (`resources/alias`), HCL; an import example as `resources/alias:import`. */
export type Examples = Readonly<Record<string, string>>;

/**
 * The examples of a folder laid out like the pages: `provider.tf` (the index page),
 * `resources/alias.tf`, `resources/alias.import.sh`, `data-sources/aliases.tf`,
 * `functions/canary_policy.tf`.
 */
export function loadExamples(dir: string): Examples {
  const out: Record<string, string> = { index: readFileSync(join(dir, "provider.tf"), "utf8") };
  for (const kind of ["resources", "data-sources", "functions"])
    for (const file of readdirSync(join(dir, kind)).sort()) {
      const text = readFileSync(join(dir, kind, file), "utf8");
      if (file.endsWith(".import.sh")) out[`${kind}/${file.slice(0, -".import.sh".length)}:import`] = text;
      else if (file.endsWith(".tf")) out[`${kind}/${file.slice(0, -".tf".length)}`] = text;
    }
  return out;
}

function typeWord(t: TfType): string {
  if (typeof t === "string")
    return t === "bool" ? "Boolean" : t === "dynamic" ? "Dynamic" : t[0]!.toUpperCase() + t.slice(1);
  const [kind, of] = t;
  if (kind === "list" || kind === "set" || kind === "map")
    return `${kind[0]!.toUpperCase()}${kind.slice(1)} of ${typeWord(of as TfType)}`;
  return kind === "object" ? "Object" : "Tuple";
}

const anchor = (path: string) => `nestedatt--${path.replaceAll(".", "--")}`;

function kindOf(a: Attr): string {
  const base = a.nested
    ? a.nested.nesting === "LIST"
      ? "Attributes List"
      : "Attributes"
    : typeWord(a.type ?? "dynamic");
  return a.sensitive ? `${base}, Sensitive` : base;
}

/** One attribute's line; nested ones link to their section. */
function line(a: Attr, path: string): string {
  const more = a.nested || a.elements ? ` (see [below for nested schema](#${anchor(path)}))` : "";
  return `- \`${a.name}\` (${kindOf(a)}) ${a.doc}${more}`;
}

/** The Required / Optional / Read-Only sections of a list of attributes, then their nested schemas. */
function schemaSections(attrs: readonly Attr[], prefix: string, level: string): string[] {
  const out: string[] = [];
  const groups: [string, (a: Attr) => boolean][] = [
    ["Required", (a) => a.required === true],
    ["Optional", (a) => a.optional === true],
    ["Read-Only", (a) => a.computed === true && !a.optional],
  ];
  for (const [title, pick] of groups) {
    const picked = attrs.filter(pick);
    if (picked.length === 0) continue;
    out.push(`${level} ${title}`, "", ...picked.map((a) => line(a, prefix + a.name)), "");
  }
  for (const a of attrs.filter((x) => x.nested || x.elements)) {
    const path = prefix + a.name;
    out.push(`<a id="${anchor(path)}"></a>`, `${level} Nested Schema for \`${path}\``, "");
    if (a.elements) out.push(`A list of objects (typed by their values: \`dynamic\`), each with:`, "");
    out.push(...schemaSections(a.nested?.attributes ?? a.elements ?? [], `${path}.`, level));
  }
  return out;
}

const frontMatter = (title: string, description: string) => [
  "---",
  `page_title: "${title}"`,
  'subcategory: ""',
  "description: |-",
  `  ${description}`,
  "---",
  "",
];

const example = (hcl: string | undefined, lang = "terraform") =>
  hcl === undefined ? [] : ["## Example Usage", "", `\`\`\`${lang}`, hcl.trimEnd(), "```", ""];

function blockPage(
  kind: "Resource" | "Data Source",
  name: string,
  block: Block,
  examples: Examples,
  page: string,
): string {
  const full = typeName(name);
  const out = [
    ...frontMatter(`${full} ${kind} - ${PROVIDER_NAME}`, block.doc),
    `# ${full} (${kind})`,
    "",
    block.doc,
    "",
    ...example(examples[page]),
    "## Schema",
    "",
    ...schemaSections(block.attributes, "", "###"),
  ];
  const imported = examples[`${page}:import`];
  if (imported !== undefined)
    out.push(
      "## Import",
      "",
      "Import is supported by the alias key:",
      "",
      "```shell",
      imported.trimEnd(),
      "```",
      "",
    );
  return `${out.join("\n").trimEnd()}\n`;
}

function functionPage(name: string, f: FunctionBlock, examples: Examples): string {
  const out = [
    ...frontMatter(`${name} function - ${PROVIDER_NAME}`, f.summary),
    `# function: ${name}`,
    "",
    f.doc,
    "",
    ...example(examples[`functions/${name}`]),
    "## Signature",
    "",
    "```text",
    `${name}(${f.parameter.name} object) object`,
    "```",
    "",
    "## Arguments",
    "",
    `1. \`${f.parameter.name}\` (Object) ${f.parameter.doc}`,
    "",
    ...schemaSections(f.parameter.attributes, `${f.parameter.name}.`, "###"),
    "## Result",
    "",
    `The policy, with the nested attributes of \`agentalias_alias\`'s \`policy\`: ${f.returns.doc}`,
    "",
  ];
  return `${out.join("\n").trimEnd()}\n`;
}

function indexPage(examples: Examples): string {
  const block = providerBlock();
  const out = [
    ...frontMatter(`Provider: ${PROVIDER_NAME}`, block.doc),
    `# ${PROVIDER_NAME} Provider`,
    "",
    block.doc,
    "",
    `Source address: \`${PROVIDER_SOURCE}\`.`,
    "",
    ...example(examples.index),
    "## Schema",
    "",
    ...schemaSections(block.attributes, "", "###"),
  ];
  return `${out.join("\n").trimEnd()}\n`;
}

/** Every page, by its path under the docs folder. */
export function registryDocs(examples: Examples): Record<string, string> {
  const pages: Record<string, string> = { "index.md": indexPage(examples) };
  for (const [name, block] of Object.entries(RESOURCE_BLOCKS))
    pages[`resources/${name}.md`] = blockPage("Resource", name, block(), examples, `resources/${name}`);
  for (const [name, block] of Object.entries(DATA_SOURCE_BLOCKS))
    pages[`data-sources/${name}.md`] = blockPage(
      "Data Source",
      name,
      block(),
      examples,
      `data-sources/${name}`,
    );
  for (const [name, f] of Object.entries(FUNCTION_BLOCKS))
    pages[`functions/${name}.md`] = functionPage(name, f(), examples);
  return pages;
}
