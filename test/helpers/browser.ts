/**
 * A real browser for tests: Debian's Chromium (scripts/setup-chromium.sh installs it; npm
 * test's pretest runs it), driven headless by playwright-core, which downloads no browser of
 * its own. `CHROMIUM` names another binary.
 */
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { REPO } from "./cli.js";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: run \`bash scripts/setup-chromium.sh\` (npm test's pretest does)`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/** Where a test's screenshots go: a temporary folder, or docs/images with AGENT_ALIAS_DOCS_IMAGES=1 (`npm run docs:images`). */
export function screenshotDir(name: string): string {
  const dir = process.env.AGENT_ALIAS_DOCS_IMAGES
    ? join(REPO, "docs/images")
    : mkdtempSync(join(tmpdir(), `agent-alias-${name}-shots-`));
  mkdirSync(dir, { recursive: true });
  return dir;
}
