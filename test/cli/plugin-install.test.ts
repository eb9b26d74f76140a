/**
 * `agent-alias plugin install` where this platform's executable is not installed (a
 * checkout: the platform packages come only with a release): it says what is missing and how
 * to get it, exit 1, and writes nothing. The install itself, from a release's packages, is
 * test/release/install-anywhere.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { platformPackage } from "../../src/cli/plugin.js";
import { REPO, spawnCli } from "../helpers/cli.js";

const home = mkdtempSync(join(tmpdir(), "agent-alias-plugin-home-"));
const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("agent-alias plugin install", () => {
  it("without this platform's package: exit 1, the package named, nothing written", async () => {
    const r = await spawnCli(["plugin", "install", "--pulumi-home", home]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `agent-alias plugin install: no self-contained plugin for ${process.platform}-${process.arch}: the package ${platformPackage(process.platform, process.arch)} is not installed (npm installs it with pulumi-agent-alias on the platforms a release serves; or install a release archive: pulumi plugin install resource agent-alias ${version} --file ARCHIVE)\n`,
    );
    expect(existsSync(join(home, "plugins"))).toBe(false);
  });

  it("refuses anything but `install`, exit 2", async () => {
    const r = await spawnCli(["plugin", "remove"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the one subcommand is 'install'/);
  });
});
