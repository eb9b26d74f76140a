/**
 * `agent-alias plugin install`: the native provider plugin installed into a Pulumi
 * home the way `pulumi plugin install` lays plugins out, so the real CLI lists it with its
 * version and the installed plugin starts (it prints its gRPC port, as the engine expects).
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, spawnCli } from "../helpers/cli.js";

const home = mkdtempSync(join(tmpdir(), "agent-alias-plugin-home-"));
const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const PULUMI = join(REPO, ".pulumi-home/versions/3.259.0/bin/pulumi");
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("agent-alias plugin install", () => {
  it("installs into $PULUMI_HOME/plugins; `pulumi plugin ls` shows it with its version", async () => {
    const r = await spawnCli(["plugin", "install", "--pulumi-home", home]);
    expect(r.code).toBe(0);
    const dir = join(home, "plugins", `resource-agent-alias-v${version}`);
    expect(r.stdout).toBe(`installed ${dir}\n`);
    expect(statSync(join(dir, "pulumi-resource-agent-alias")).mode & 0o111).not.toBe(0);
    const again = await spawnCli(["plugin", "install", "--pulumi-home", home]);
    expect(again.stdout).toMatch(/^already installed: /);

    const ls = await new Promise<string>((resolve, reject) =>
      execFile(
        PULUMI,
        ["plugin", "ls", "--json"],
        { env: { ...process.env, PULUMI_HOME: home } },
        (e, out) => (e ? reject(e) : resolve(out)),
      ),
    );
    const plugins = JSON.parse(ls) as { name: string; kind: string; version: string }[];
    expect(plugins).toContainEqual(
      expect.objectContaining({ name: "agent-alias", kind: "resource", version }),
    );
  });

  it("the installed plugin starts and prints its port first, as the engine reads it", async () => {
    const bin = join(home, "plugins", `resource-agent-alias-v${version}`, "pulumi-resource-agent-alias");
    const child = spawn(bin, ["127.0.0.1:1"], { stdio: ["ignore", "pipe", "pipe"] });
    const first = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before printing a port`)));
    });
    child.kill();
    expect(first).toMatch(/^\d+$/);
  });

  it("refuses anything but `install`, exit 2", async () => {
    const r = await spawnCli(["plugin", "remove"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the one subcommand is 'install'/);
  });
});
