/**
 * `npm run release` (built once for the run, test/helpers/release.ts): every artifact's name,
 * layout and checksum, from the user's side. Each executable is read for its format, machine
 * and embedded application (test/helpers/executables.ts); the macOS ones for a valid ad-hoc
 * signature, since they cannot run here; the linux-amd64 one runs with an empty environment.
 * The engine itself installs the archive it asks the schema's download URL for.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { unzipSync } from "fflate";
import { list } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pluginArchive, TERRAFORM_MANIFEST, terraformFiles } from "../../release/artifacts.ts";
import { CHECKSUMS, parseChecksums, releaseFiles, sha256 } from "../../release/checksums.ts";
import { moduleFiles } from "../../release/go-module.ts";
import { binaryName, EXECUTABLES, NODE_VERSION, TARGETS, targetName } from "../../release/targets.ts";
import { platformPackage } from "../../src/cli/plugin.js";
import { GO_MODULE, PLUGIN_DOWNLOAD_URL } from "../../src/native/schema.js";
import { REPO } from "../helpers/cli.js";
import { checkAdhocSignature, readExecutable, SEA_FUSE, SEA_MAGIC } from "../helpers/executables.js";
import { RELEASE_TIMEOUT, type ReleaseBuild, releaseBuild } from "../helpers/release.js";

const run = promisify(execFile);
const PULUMI = join(REPO, ".pulumi-home/versions/3.259.0/bin/pulumi");
const PLUGIN = EXECUTABLES.find((e) => e.door === "pulumi")!;
const TERRAFORM = EXECUTABLES.find((e) => e.door === "terraform")!;

let release: ReleaseBuild;
const work = mkdtempSync(join(tmpdir(), "agent-alias-release-test-"));
/** Each target's executable, extracted from its plugin archive. */
const executables = new Map<string, Buffer>();
/** Each target's Terraform provider executable, from its zip. */
const providers = new Map<string, Buffer>();
/** The Terraform release's file names. */
const tf = () => terraformFiles(TERRAFORM.name, release.version);

beforeAll(async () => {
  release = await releaseBuild();
  for (const t of TARGETS) {
    const dir = join(work, targetName(t));
    mkdirSync(dir);
    await run("tar", [
      "-xzf",
      release.file(pluginArchive(PLUGIN.name, release.version, t.os, t.arch)),
      "-C",
      dir,
    ]);
    executables.set(targetName(t), readFileSync(join(dir, binaryName(PLUGIN, t))));
    const zip = unzipSync(readFileSync(release.file(tf().zip(t.os, t.arch))));
    const inner = t.os === "windows" ? `${tf().binary}.exe` : tf().binary;
    if (zip[inner]) providers.set(targetName(t), Buffer.from(zip[inner]));
  }
}, RELEASE_TIMEOUT);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The npm tarballs of the release. */
const npmFiles = (version: string) => [
  `npm/pulumi-agent-alias-${version}.tgz`,
  ...TARGETS.map((t) => `npm/${platformPackage(t.platform, t.cpu)}-${version}.tgz`),
];

describe("the release folder", () => {
  it("holds exactly the artifacts of the version, each named by its ecosystem's rule", () => {
    const v = release.version;
    const goAt = `go/${GO_MODULE}/@v`;
    expect(releaseFiles(release.dir)).toEqual(
      [
        "CHANGELOG.md",
        "schema.json",
        ...TARGETS.map((t) => pluginArchive(PLUGIN.name, v, t.os, t.arch)),
        ...TARGETS.map((t) => tf().zip(t.os, t.arch)),
        tf().sums,
        tf().manifest,
        ...npmFiles(v),
        `python/pulumi_agent_alias-${v}-py3-none-any.whl`,
        `python/pulumi_agent_alias-${v}.tar.gz`,
        `${goAt}/list`,
        `${goAt}/v${v}.info`,
        `${goAt}/v${v}.mod`,
        `${goAt}/v${v}.zip`,
      ].sort(),
    );
  });

  it("SHA256SUMS names every file once with its SHA-256, in sha256sum's format", async () => {
    const sums = parseChecksums(readFileSync(release.file(CHECKSUMS), "utf8"));
    expect([...sums.keys()]).toEqual(releaseFiles(release.dir));
    for (const [path, hex] of sums) expect(sha256(release.file(path)), path).toBe(hex);
    const { stdout } = await run("sha256sum", ["-c", CHECKSUMS], { cwd: release.dir });
    expect(stdout.trim().split("\n")).toHaveLength(sums.size);
  });

  it("the schema names the version and the GitHub release to download the plugin from", () => {
    const schema = JSON.parse(readFileSync(release.file("schema.json"), "utf8"));
    expect(schema.version).toBe(release.version);
    expect(schema.pluginDownloadURL).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the engine's placeholder, literally
      "https://github.com/pulumi-agent-alias/pulumi-agent-alias/releases/download/v${VERSION}",
    );
    expect(schema.pluginDownloadURL).toBe(PLUGIN_DOWNLOAD_URL);
  });

  it("CHANGELOG.md is a Keep a Changelog file with this version's section and its breaking changes", () => {
    const text = readFileSync(release.file("CHANGELOG.md"), "utf8");
    expect(text).toMatch(/keepachangelog\.com/);
    const section = text.slice(
      text.indexOf(`## [${release.version}] - `),
      text.indexOf("\n## [", text.indexOf(`## [${release.version}]`) + 1),
    );
    expect(section).toMatch(/### Breaking\n/);
    expect(section).toMatch(/### Added\n/);
  });
});

describe("plugin archives", () => {
  it("hold only the executable, at the root, executable by everyone", async () => {
    for (const t of TARGETS) {
      const entries: { path: string; mode: number; type: string }[] = [];
      await list({
        file: release.file(pluginArchive(PLUGIN.name, release.version, t.os, t.arch)),
        onReadEntry: (e) => entries.push({ path: e.path, mode: e.mode ?? 0, type: e.type }),
      });
      expect(
        entries.map((e) => [e.path, e.type]),
        targetName(t),
      ).toEqual([[binaryName(PLUGIN, t), "File"]]);
      expect(entries[0]!.mode & 0o755).toBe(0o755);
    }
  });

  it("each executable is of its platform's format and machine, and carries the plugin as a Node SEA", () => {
    for (const t of TARGETS) {
      const b = executables.get(targetName(t))!;
      const facts = readExecutable(b);
      expect([facts.format, facts.machine], targetName(t)).toEqual([t.format, t.machine]);
      const blob = facts.seaBlob;
      expect(blob, `${targetName(t)}: no SEA blob`).toBeDefined();
      expect(blob!.readUInt32LE(0)).toBe(SEA_MAGIC);
      // The bundle is in the blob: the plugin's own code, and its package.json asset.
      expect(blob!.includes("agent-alias provider: could not start:")).toBe(true);
      expect(blob!.includes(`"version": "${release.version}"`)).toBe(true);
      expect(b.includes(SEA_FUSE)).toBe(true);
      // Node.js of the pinned version is what runs it.
      expect(b.includes(`v${NODE_VERSION}`)).toBe(true);
    }
  });

  it("the macOS executables carry a valid ad-hoc signature over the whole file, SEA included", () => {
    for (const t of TARGETS.filter((x) => x.format === "macho")) {
      const sig = checkAdhocSignature(executables.get(targetName(t))!);
      expect(sig.identifier).toBe(PLUGIN.name);
      expect(sig.pages).toBeGreaterThan(1000);
    }
  });

  it("an altered byte breaks the signature check (the check can fail)", () => {
    const b = Buffer.from(executables.get("darwin-amd64")!);
    const blob = readExecutable(b).seaBlob!;
    blob[blob.length - 1] = blob[blob.length - 1]! ^ 0xff;
    expect(() => checkAdhocSignature(b)).toThrow(/page \d+ does not match its hash/);
  });

  it("the Windows executable is plainly unsigned: Node.js's signature, which no longer matches, is cleared", () => {
    expect(readExecutable(executables.get("windows-amd64")!).certificateTable).toBe(false);
  });

  it("darwin-arm64 is the darwin-amd64 executable (Rosetta 2), and says so", () => {
    expect(executables.get("darwin-arm64")!.equals(executables.get("darwin-amd64")!)).toBe(true);
    expect(TARGETS.find((t) => targetName(t) === "darwin-arm64")!.note).toMatch(/Rosetta 2/);
  });

  it("the linux-amd64 executable runs with an empty environment and prints its port first", async () => {
    const file = join(work, "linux-amd64", binaryName(PLUGIN, TARGETS[0]!));
    const child = spawn(file, ["127.0.0.1:1"], { env: {}, stdio: ["ignore", "pipe", "pipe"] });
    const first = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d));
      child.stdout.on("data", (d: Buffer) => {
        out += d;
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code} before a port: ${err}`)));
    });
    child.kill();
    expect(first).toMatch(/^\d+$/);
  });

  it("the engine downloads the archive the schema's URL names for its version and platform", async () => {
    const asked: string[] = [];
    const server: Server = createServer((req, res) => {
      asked.push(req.url!);
      const m = /^\/releases\/download\/v([^/]+)\/([^/]+)$/.exec(req.url!);
      const file = m && m[1] === release.version ? release.file(m[2]!) : undefined;
      if (!file || !statSync(file, { throwIfNoEntry: false })) return void res.writeHead(404).end();
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": "application/gzip", "content-length": body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const home = join(work, "download-home");
    try {
      const port = (server.address() as { port: number }).port;
      // The schema's URL with the host swapped for this server.
      const url = PLUGIN_DOWNLOAD_URL.replace(
        "https://github.com/pulumi-agent-alias/pulumi-agent-alias",
        `http://127.0.0.1:${port}`,
      );
      await run(PULUMI, ["plugin", "install", "resource", "agent-alias", release.version, "--server", url], {
        env: { ...process.env, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
      });
      expect(asked).toContain(
        `/releases/download/v${release.version}/${pluginArchive(PLUGIN.name, release.version, "linux", "amd64")}`,
      );
      const installed = readFileSync(
        join(home, "plugins", `resource-agent-alias-v${release.version}`, PLUGIN.name),
      );
      expect(installed.equals(executables.get("linux-amd64")!)).toBe(true);
    } finally {
      server.close();
    }
  });
});

describe("Terraform provider zips", () => {
  /** A zip's entries as Python's zipfile reads them: name and Unix mode (from the external attributes). */
  const zipEntries = async (file: string) => {
    const { stdout } = await run("python3", [
      "-c",
      "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, oct(i.external_attr >> 16))",
      file,
    ]);
    return stdout.trim().split("\n");
  };

  it("each holds only the executable named terraform-provider-agentalias_v<version>, mode 755", async () => {
    for (const t of TARGETS) {
      const inner = t.os === "windows" ? `${tf().binary}.exe` : tf().binary;
      expect(await zipEntries(release.file(tf().zip(t.os, t.arch))), targetName(t)).toEqual([
        `${inner} 0o100755`,
      ]);
      expect(providers.has(targetName(t)), targetName(t)).toBe(true);
    }
  });

  it("the SHA256SUMS file covers every zip and the manifest; the manifest says protocol 6.0", async () => {
    const sums = parseChecksums(readFileSync(release.file(tf().sums), "utf8"));
    expect([...sums.keys()].sort()).toEqual(
      [...TARGETS.map((t) => tf().zip(t.os, t.arch)), tf().manifest].sort(),
    );
    for (const [path, hex] of sums) expect(sha256(release.file(path)), path).toBe(hex);
    expect(JSON.parse(readFileSync(release.file(tf().manifest), "utf8"))).toEqual(TERRAFORM_MANIFEST);
    expect(TERRAFORM_MANIFEST.metadata.protocol_versions).toEqual(["6.0"]);
  });

  it("each executable is of its platform's format and carries the provider and its protocol files", () => {
    for (const t of TARGETS) {
      const b = providers.get(targetName(t))!;
      const facts = readExecutable(b);
      expect([facts.format, facts.machine], targetName(t)).toEqual([t.format, t.machine]);
      const blob = facts.seaBlob!;
      expect(blob.readUInt32LE(0)).toBe(SEA_MAGIC);
      expect(blob.includes("is a Terraform/OpenTofu provider plugin")).toBe(true);
      expect(blob.includes("service Provider {")).toBe(true);
      expect(blob.includes("service Health {")).toBe(true);
      if (t.format === "macho") expect(checkAdhocSignature(b).identifier).toBe(TERRAFORM.name);
    }
  });

  it("the linux-amd64 executable started by hand, with an empty environment, says what it is and exits 1", async () => {
    const file = join(work, "terraform-provider");
    writeFileSync(file, providers.get("linux-amd64")!, { mode: 0o755 });
    const r = await run(file, [], { env: {} }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^terraform-provider-agentalias is a Terraform\/OpenTofu provider plugin/);
  });
});

describe("npm packages", () => {
  const unpack = async (name: string) => {
    const dir = mkdtempSync(join(work, "npm-"));
    await run("tar", ["-xzf", release.file(name), "-C", dir]);
    return join(dir, "package");
  };

  it("the package depends on each platform package, at its own version, optionally", async () => {
    const dir = await unpack(`npm/pulumi-agent-alias-${release.version}.tgz`);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.version).toBe(release.version);
    expect(pkg.optionalDependencies).toEqual(
      Object.fromEntries(TARGETS.map((t) => [platformPackage(t.platform, t.cpu), release.version])),
    );
    for (const file of [
      "CHANGELOG.md",
      "README.md",
      "bin/pulumi-resource-agent-alias",
      "dist/native/main.js",
    ])
      expect(statSync(join(dir, file)).isFile(), file).toBe(true);
  });

  it("each platform package holds its target's executables, for npm's os and cpu", async () => {
    for (const t of TARGETS) {
      const name = platformPackage(t.platform, t.cpu);
      const dir = await unpack(`npm/${name}-${release.version}.tgz`);
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      expect([pkg.name, pkg.version, pkg.os, pkg.cpu]).toEqual([
        name,
        release.version,
        [t.platform],
        [t.cpu],
      ]);
      expect(readdirSync(dir).sort()).toEqual(
        [binaryName(PLUGIN, t), binaryName(TERRAFORM, t), "README.md", "package.json"].sort(),
      );
      expect(readFileSync(join(dir, binaryName(TERRAFORM, t))).equals(providers.get(targetName(t))!)).toBe(
        true,
      );
      expect(readFileSync(join(dir, binaryName(PLUGIN, t))).equals(executables.get(targetName(t))!)).toBe(
        true,
      );
    }
  });
});

describe("Python distributions", () => {
  it("the wheel carries the SDK at the version, with the plugin's name, version and download URL", async () => {
    const files = unzipSync(
      readFileSync(release.file(`python/pulumi_agent_alias-${release.version}-py3-none-any.whl`)),
    );
    const plugin = JSON.parse(Buffer.from(files["pulumi_agent_alias/pulumi-plugin.json"]!).toString());
    expect(plugin).toEqual({
      resource: true,
      name: "agent-alias",
      version: release.version,
      server: PLUGIN_DOWNLOAD_URL,
    });
    const metadata = Buffer.from(
      files[`pulumi_agent_alias-${release.version}.dist-info/METADATA`]!,
    ).toString();
    expect(metadata).toMatch(new RegExp(`^Version: ${release.version.replaceAll(".", "\\.")}$`, "m"));
    expect(Object.keys(files)).toContain("pulumi_agent_alias/alias.py");
  });

  it("the sdist holds pyproject.toml and the package; the source tree was not written", async () => {
    const { stdout } = await run("tar", [
      "-tzf",
      release.file(`python/pulumi_agent_alias-${release.version}.tar.gz`),
    ]);
    const root = `pulumi_agent_alias-${release.version}`;
    expect(stdout.split("\n")).toEqual(
      expect.arrayContaining([`${root}/pyproject.toml`, `${root}/pulumi_agent_alias/__init__.py`]),
    );
    const { stdout: status } = await run("git", ["status", "--porcelain", "--ignored", "sdk/python"], {
      cwd: REPO,
    });
    expect(status).toBe("");
  });
});

describe("the Go module", () => {
  it("is laid out as the module proxy serves the tag: list, info, mod and the module zip", () => {
    const at = release.file(`go/${GO_MODULE}/@v`);
    const v = `v${release.version}`;
    expect(readFileSync(join(at, "list"), "utf8")).toBe(`${v}\n`);
    expect(JSON.parse(readFileSync(join(at, `${v}.info`), "utf8")).Version).toBe(v);
    expect(readFileSync(join(at, `${v}.mod`), "utf8")).toBe(
      readFileSync(join(REPO, "sdk/go/go.mod"), "utf8"),
    );
    const zip = unzipSync(readFileSync(join(at, `${v}.zip`)));
    const prefix = `${GO_MODULE}@${v}/`;
    expect(Object.keys(zip).sort()).toEqual(
      moduleFiles(join(REPO, "sdk/go"))
        .map((f) => prefix + f)
        .sort(),
    );
    expect(Object.keys(zip)).toEqual(
      expect.arrayContaining([`${prefix}go.mod`, `${prefix}agentalias/alias.go`]),
    );
    const plugin = JSON.parse(Buffer.from(zip[`${prefix}agentalias/pulumi-plugin.json`]!).toString());
    expect(plugin.version).toBe(release.version);
  });
});
