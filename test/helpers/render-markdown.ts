/**
 * Markdown rendered as GitHub renders a comment, in a real browser: marked (GitHub-flavoured)
 * for the text and tables, Mermaid for ```mermaid blocks, in a column as wide as a pull
 * request's comment. What tests assert on is the rendered page.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Browser, Page } from "playwright-core";

/** The page's globals, in scripts that run in the browser (this project's types have no DOM). */
// biome-ignore lint/suspicious/noExplicitAny: the browser's objects, untyped here
declare const document: any, window: any;

const require = createRequire(import.meta.url);
// marked's package exports no path to its browser build: found beside its package.json.
const MARKED = join(dirname(require.resolve("marked/package.json")), "lib/marked.umd.js");
const MERMAID = require.resolve("mermaid/dist/mermaid.min.js");

/** A pull request comment's text column on github.com (px). */
export const COMMENT_WIDTH = 760;

const SHELL = `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", sans-serif; }
#comment { width: ${COMMENT_WIDTH}px; padding: 16px; box-sizing: border-box; overflow-x: auto; }
table { border-collapse: collapse; display: block; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d0d7de; padding: 6px 13px; }
</style></head><body><div id="comment"></div></body></html>`;

/** Opens a page with `markdown` rendered; resolves once every Mermaid chart is drawn. */
export async function renderMarkdown(browser: Browser, markdown: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: COMMENT_WIDTH + 40, height: 900 } });
  await page.setContent(SHELL);
  await page.addScriptTag({ path: MARKED });
  await page.addScriptTag({ path: MERMAID });
  await page.evaluate(async (md) => {
    const w = window as unknown as {
      marked: { parse(md: string, o: object): string };
      mermaid: { initialize(o: object): void; run(o: object): Promise<void> };
    };
    const root = document.getElementById("comment")!;
    root.innerHTML = w.marked.parse(md, { gfm: true });
    for (const code of root.querySelectorAll("pre > code.language-mermaid")) {
      const div = document.createElement("div");
      div.className = "mermaid";
      div.textContent = code.textContent;
      code.parentElement!.replaceWith(div);
    }
    w.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    await w.mermaid.run({ querySelector: ".mermaid" });
  }, markdown);
  return page;
}

/** Whether anything in the comment is wider than the comment (a table or chart cut off). */
export async function overflows(page: Page): Promise<string[]> {
  return page.evaluate((width) => {
    const out: string[] = [];
    for (const el of document.querySelectorAll("#comment table, #comment .mermaid svg")) {
      const w = el.tagName === "TABLE" ? el.scrollWidth : el.getBoundingClientRect().width;
      if (w > width - 32 + 1) out.push(`${el.tagName.toLowerCase()} ${Math.round(w)}px`);
    }
    return out;
  }, COMMENT_WIDTH);
}
