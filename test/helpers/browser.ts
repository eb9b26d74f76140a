/**
 * A real browser for tests: Debian's Chromium (scripts/setup-chromium.sh installs it; npm
 * test's pretest runs it), driven headless by playwright-core, which downloads no browser of
 * its own. `CHROMIUM` names another binary.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: run \`bash scripts/setup-chromium.sh\` (npm test's pretest does)`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}
