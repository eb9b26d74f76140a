import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript in bin/, without types
import { NEEDED, nodeVersionProblem } from "../../bin/node-version.js";
import { REPO } from "../helpers/cli.js";

const engines = (): string =>
  (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { engines: { node: string } }).engines
    .node;

describe("the Node.js version check of the agent-alias command", () => {
  it("is the one package.json's engines names", () => {
    expect(engines()).toBe(`>=${NEEDED.join(".")}`);
  });

  it("refuses an older Node by name and version, accepts the needed one and later", () => {
    expect(nodeVersionProblem("20.20.2", "/usr/bin/node")).toBe(
      "needs Node.js 22.19 or later; this is 20.20.2 (/usr/bin/node). Install a newer Node.js, or take one from npm (npm install node@24) and put node_modules/node/bin first on PATH",
    );
    // 22.2 to 22.18 start, then crash in undici (zlib.createZstdDecompress is newer).
    expect(nodeVersionProblem("22.18.0")).toMatch(/^needs Node.js 22.19 or later; this is 22.18.0/);
    expect(nodeVersionProblem("22.2.0")).toMatch(/^needs Node.js 22.19 or later/);
    for (const ok of ["22.19.0", "22.20.1", "23.0.0", "24.21.0", "30.1.2"])
      expect(nodeVersionProblem(ok)).toBeUndefined();
  });

  it("runs before the CLI loads: on an older Node the command says so and exits 1, no stack trace", () => {
    // The running Node, told it is 20.1.0 before the command starts.
    const dir = mkdtempSync(join(tmpdir(), "node-version-"));
    const preload = join(dir, "old-node.mjs");
    writeFileSync(preload, 'Object.defineProperty(process.versions, "node", { value: "20.1.0" });\n');
    const old = spawnSync(process.execPath, [
      "--import",
      preload,
      join(REPO, "bin/agent-alias.js"),
      "--help",
    ]);
    expect(old.status).toBe(1);
    expect(old.stdout.toString()).toBe("");
    expect(old.stderr.toString()).toBe(
      `agent-alias: needs Node.js 22.19 or later; this is 20.1.0 (${process.execPath}). Install a newer Node.js, or take one from npm (npm install node@24) and put node_modules/node/bin first on PATH\n`,
    );
    const current = spawnSync(process.execPath, [join(REPO, "bin/agent-alias.js"), "--help"]);
    expect(current.status).toBe(0);
    expect(current.stdout.toString()).toMatch(/^Usage: agent-alias <command>/);
  });
});
