/**
 * Every link of the README and of docs/ leads somewhere: a relative link names a file or
 * folder of the repository, and a `#fragment` names a heading of the page it points at (by
 * GitHub's anchor rules). Links inside code are not links. Web links are not fetched (the
 * tests run offline); they must at least be https.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { anchorsOf, linksOf, markdownPages } from "../helpers/markdown.js";

const pages = markdownPages(REPO);

describe("links of the README and docs/", () => {
  it("finds the pages and their links", () => {
    expect(pages.map((p) => relative(REPO, p))).toEqual(
      expect.arrayContaining(["README.md", "docs/cli.md", "docs/policy.md", "docs/spec/ROUTING.md"]),
    );
    expect(linksOf(readFileSync(join(REPO, "README.md"), "utf8")).length).toBeGreaterThan(10);
  });

  it.each(pages.map((p) => [relative(REPO, p), p]))("%s: every link resolves", (_name, page) => {
    const broken: string[] = [];
    for (const link of linksOf(readFileSync(page, "utf8"))) {
      const { target, line } = link;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        if (!target.startsWith("https://") && !target.startsWith("mailto:"))
          broken.push(`line ${line}: ${target}: not https`);
        continue;
      }
      const [path = "", fragment] = target.split("#", 2);
      const file = path === "" ? page : join(dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) {
        broken.push(`line ${line}: ${target}: no such file`);
        continue;
      }
      if (fragment === undefined) continue;
      if (statSync(file).isDirectory() || !file.endsWith(".md")) {
        broken.push(`line ${line}: ${target}: an anchor into something that is not a page`);
        continue;
      }
      if (!anchorsOf(readFileSync(file, "utf8")).has(fragment))
        broken.push(`line ${line}: ${target}: no heading with that anchor`);
    }
    expect(broken).toEqual([]);
  });

  it("the checker itself catches a missing file and a missing anchor", () => {
    const text =
      "# Title\n\n## A `code` heading: yes\n\n[ok](#a-code-heading-yes) [bad](#nope) `[not](a link)`\n";
    expect(anchorsOf(text)).toEqual(new Set(["title", "a-code-heading-yes"]));
    expect(linksOf(text).map((l) => l.target)).toEqual(["#a-code-heading-yes", "#nope"]);
    expect(linksOf('```\n[in](code.md)\n```\n[out](x.md "title")\n').map((l) => l.target)).toEqual(["x.md"]);
  });

  it("docs/ holds a page for each reference topic the README links", () => {
    const docs = readdirSync(join(REPO, "docs")).filter((f) => f.endsWith(".md"));
    expect(docs).toEqual(
      expect.arrayContaining([
        "policy.md",
        "resources.md",
        "emulator.md",
        "rollouts.md",
        "cli.md",
        "languages.md",
      ]),
    );
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    for (const page of docs) expect(readme).toContain(`(docs/${page}`);
  });
});
