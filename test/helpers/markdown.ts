/**
 * Reading the repository's Markdown as GitHub renders it: its pages, the links outside code,
 * the anchors its headings get, and its fenced code blocks with the heading they sit under.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** README.md, every page under docs/, and the examples' READMEs, as absolute paths. */
export function markdownPages(repo: string): string[] {
  const pages = [join(repo, "README.md")];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".md")) pages.push(path);
    }
  };
  walk(join(repo, "docs"));
  for (const example of readdirSync(join(repo, "examples"))) {
    const readme = join(repo, "examples", example, "README.md");
    if (existsSync(readme)) pages.push(readme);
  }
  return pages;
}

export interface CodeBlock {
  /** The info string's first word (`sh`, `ts`, ...), "" when none. */
  lang: string;
  /** The info string's `name=value` words, e.g. `file=index.ts`. */
  attrs: Record<string, string>;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The headings the block sits under, outermost first (`["Use it…", "TypeScript"]`). */
  headings: string[];
}

/** Splits a page into its fenced code blocks and the prose lines outside them. */
function scan(text: string): { blocks: CodeBlock[]; prose: { text: string; line: number }[] } {
  const blocks: CodeBlock[] = [];
  const prose: { text: string; line: number }[] = [];
  const headings: string[] = [];
  let open: { fence: string; block: CodeBlock; lines: string[] } | null = null;
  text.split("\n").forEach((raw, i) => {
    if (open) {
      if (raw.trimStart().startsWith(open.fence) && raw.trim() === raw.trim().replace(/[^`~]/g, "")) {
        open.block.body = open.lines.length > 0 ? `${open.lines.join("\n")}\n` : "";
        blocks.push(open.block);
        open = null;
      } else open.lines.push(raw);
      return;
    }
    const fence = /^\s{0,3}(`{3,}|~{3,})\s*(.*)$/.exec(raw);
    if (fence) {
      const [lang = "", ...words] = (fence[2] ?? "").trim().split(/\s+/);
      const attrs: Record<string, string> = {};
      for (const w of words) {
        const eq = w.indexOf("=");
        if (eq > 0) attrs[w.slice(0, eq)] = w.slice(eq + 1);
      }
      open = {
        fence: fence[1]!,
        lines: [],
        block: { lang, attrs, body: "", line: i + 1, headings: [...headings] },
      };
      return;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) {
      headings.length = heading[1]!.length - 1;
      headings[heading[1]!.length - 1] = heading[2]!;
    }
    prose.push({ text: raw, line: i + 1 });
  });
  return { blocks, prose };
}

/** The fenced code blocks of a page, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  return scan(text).blocks;
}

/** Inline links and images (`[text](target)`, the text may span lines) outside code blocks and code spans. */
export function linksOf(text: string): { target: string; line: number }[] {
  const lines = text.split("\n").map(() => "");
  for (const { text: raw, line } of scan(text).prose) lines[line - 1] = raw;
  // Code spans become blanks of the same shape, so line numbers stay true.
  const prose = lines.join("\n").replace(/(`+)[^`]*?\1/g, (span) => span.replace(/[^\n]/g, " "));
  const out: { target: string; line: number }[] = [];
  for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    out.push({ target: m[1]!, line: prose.slice(0, m.index).split("\n").length });
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to `-`. */
export function slug(heading: string): string {
  return heading
    .replace(/`/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/**
 * Every anchor a page has: its headings' (a repeated heading gets `-1`, `-2`, … as on GitHub)
 * and each HTML anchor's (`<a id="x"></a>`, as the Terraform Registry's pages use).
 */
export function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const { text: raw } of scan(text).prose) {
    for (const a of raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(a[1]!);
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!heading) continue;
    const base = slug(heading[2]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}
