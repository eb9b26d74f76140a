/**
 * Every code block of the README that is a program or a command runs, as a reader would run
 * it, so the README cannot drift from the code. Each "Use it in your own project" language
 * section is followed in a fresh project folder outside the repository, made as `pulumi new`
 * would make it (Pulumi.yaml, and the language's own files), then the "Try it on the
 * emulator" blocks run in that project: the seed file, the emulator in the background, stack
 * and config, preview, up, a stage change, preview --diff, up, destroy. A comment that quotes
 * a sample's route (`# sample 'carol' -> support-v2 (...)`) must appear in that command's
 * output. The contributors' quick start runs too (see below).
 *
 * What differs from a reader's machine, and nothing else:
 * - `npm install pulumi-agent-alias` installs the packed tarball (helpers/outside.ts) for
 *   TypeScript; for YAML, Python and Go, whose plugin is the self-contained executable, the
 *   release's package and its linux-x64 platform package (this run's `npm run release`), as
 *   npm installs them from the registry; the emulator's port 8742 is a free port (other
 *   emulators may run here);
 * - `pulumi` is the repository's CLI build, with a file backend in a temporary folder and a
 *   temporary PULUMI_HOME (where `agent-alias plugin install` writes); `node` is Node.js 22.19;
 * - Python and Go programs: their language hosts cannot be built here (neither is published
 *   as a Go module), so `pulumi preview`, `up` and `destroy` of those projects run the README's
 *   program through Pulumi's Automation API as an inline program (the same engine, CLI,
 *   plugin and emulator; the stack and its config are made by the README's own `pulumi stack
 *   init` and `pulumi config set`).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { platformPackage } from "../../src/cli/plugin.js";
import { cli, REPO } from "../helpers/cli.js";
import { type CodeBlock, codeBlocks } from "../helpers/markdown.js";
import { type OutsideTools, outsideTools, pythonVenv, templateTsconfig } from "../helpers/outside.js";
import { releaseBuild } from "../helpers/release.js";
import { commandsOf, commentOf, Shell } from "../helpers/shell.js";

const run = promisify(execFile);

// npm installs, pip installs, a Go build and ten Pulumi runs per language: minutes each.
vi.setConfig({ testTimeout: 1_200_000, hookTimeout: 900_000 });

const README = readFileSync(join(REPO, "README.md"), "utf8");
const BLOCKS = codeBlocks(README);
const USE = "Use it in your own project";
const TRY = "Try it on the emulator";
const CONTRIBUTORS = "Quick start for contributors";
const TERRAFORM = "Terraform or OpenTofu";
const ROLLOUTS = "Guarded rollouts";
const INSTALL = "Install";
const LANGUAGES = ["TypeScript or JavaScript", "YAML", "Python", "Go"] as const;
type Language = (typeof LANGUAGES)[number];

const PKG = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const PULUMI_VERSION = PKG.dependencies["@pulumi/pulumi"]!;
const CLI_BIN = join(REPO, `.pulumi-home/versions/${PULUMI_VERSION}/bin`);

/** The blocks under a heading path (`[USE, "YAML"]`). */
const under = (...path: string[]): CodeBlock[] =>
  BLOCKS.filter((b) => path.every((h, i) => b.headings[i + 1] === h));

/** The README's contributors' commands that no test runs, and why. */
const NOT_RUN: Record<string, string> = {
  "npm ci && npm test": "npm test is the run this test is part of",
};

/** What `pulumi new <language>` leaves in a project, before the README's steps. */
function newProject(language: Language, dir: string, venv: string): void {
  const name = `readme-${language.split(" ")[0]!.toLowerCase()}`;
  const yaml = (runtime: string) => `name: ${name}\nruntime: ${runtime}\n`;
  if (language === "TypeScript or JavaScript") {
    writeFileSync(join(dir, "Pulumi.yaml"), yaml("nodejs"));
    // The typescript template as of 2026, with the SDK at the version this package is built on.
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify(
        {
          name,
          main: "index.ts",
          devDependencies: { "@types/node": "^18", typescript: PKG.devDependencies.typescript },
          dependencies: { "@pulumi/pulumi": PULUMI_VERSION },
        },
        null,
        4,
      )}\n`,
    );
    writeFileSync(join(dir, "tsconfig.json"), templateTsconfig("nodenext", "nodenext"));
  } else if (language === "Python") {
    writeFileSync(join(dir, "Pulumi.yaml"), yaml("python"));
    writeFileSync(join(dir, "requirements.txt"), `pulumi==${PULUMI_VERSION}\n`);
    writeFileSync(join(dir, "driver.py"), PYTHON_DRIVER.replaceAll("VENV", venv));
  } else if (language === "Go") {
    writeFileSync(join(dir, "Pulumi.yaml"), yaml("go"));
    writeFileSync(
      join(dir, "go.mod"),
      `module ${name}\n\ngo 1.25.11\n\nrequire github.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}\n`,
    );
    writeFileSync(join(dir, "driver_test.go"), GO_DRIVER);
  }
  // YAML: `pulumi new yaml` writes Pulumi.yaml, which the README gives whole.
}

/**
 * Runs the stack's operation on the README's Python program as an inline program (see the
 * header): `python driver.py preview|up|destroy [--diff]`.
 */
const PYTHON_DRIVER = `import os, runpy, sys
from pulumi import automation as auto

work = os.getcwd()
program = lambda: runpy.run_path(os.path.join(work, "__main__.py"), run_name="__main__")
stack = auto.Stack.select("dev", auto.LocalWorkspace(work_dir=work, program=program))
op = sys.argv[1]
if op == "preview":
    stack.preview(on_output=print, diff="--diff" in sys.argv)
elif op == "up":
    stack.up(on_output=print)
elif op == "destroy":
    stack.destroy(on_output=print)
`;

/** The same for the README's Go program (its \`program\` function): OP=preview|up|destroy. */
const GO_DRIVER = `package main

import (
	"context"
	"os"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
)

func TestDriver(t *testing.T) {
	ctx := context.Background()
	s, err := auto.SelectStackInlineSource(ctx, "dev", "readme-go", program, auto.WorkDir("."))
	if err != nil {
		t.Fatal(err)
	}
	switch os.Getenv("OP") {
	case "preview":
		opts := []optpreview.Option{optpreview.ProgressStreams(os.Stdout)}
		if os.Getenv("DIFF") != "" {
			opts = append(opts, optpreview.Diff())
		}
		_, err = s.Preview(ctx, opts...)
	case "up":
		_, err = s.Up(ctx, optup.ProgressStreams(os.Stdout))
	case "destroy":
		_, err = s.Destroy(ctx, optdestroy.ProgressStreams(os.Stdout))
	default:
		t.Fatalf("OP=%q", os.Getenv("OP"))
	}
	if err != nil {
		t.Fatal(err)
	}
}
`;

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The Go the setup script uses: $GO, then PATH, then /usr/local/go/bin. */
function goBinDir(): string {
  if (process.env.GO) return dirname(process.env.GO);
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(join(dir, "go"))) return dir;
  return "/usr/local/go/bin";
}

let tools: OutsideTools;
const work = mkdtempSync(join(tmpdir(), "agent-alias-readme-"));
beforeAll(async () => {
  tools = await outsideTools();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The release's npm package and this platform's package, as npm installs them from the registry. */
async function releasePackages(): Promise<string> {
  const release = await releaseBuild();
  return [
    release.file(`npm/pulumi-agent-alias-${release.version}.tgz`),
    release.file(`npm/${platformPackage("linux", "x64")}-${release.version}.tgz`),
  ].join(" ");
}

/** Follows one language section, then the emulator section, in a fresh project. */
async function follow(language: Language): Promise<string> {
  const dir = join(work, language.split(" ")[0]!.toLowerCase());
  const home = join(work, `${dir.split("/").pop()}-pulumi-home`);
  const venv = language === "Python" ? await pythonVenv() : "";
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  mkdirSync(join(work, "state"), { recursive: true });
  const port = await freePort();
  const packages = language === "TypeScript or JavaScript" ? tools.tarball : await releasePackages();
  const env: Record<string, string | undefined> = {
    ...process.env,
    PATH: [
      ...(language === "Python" ? [join(venv, "bin")] : []),
      dirname(tools.node),
      CLI_BIN,
      goBinDir(),
      // Not the repository's node_modules/.bin: the project has its own.
      ...(process.env.PATH ?? "").split(":").filter((p) => p !== "" && !p.startsWith(REPO)),
    ].join(":"),
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "readme-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_NODEJS_NODE: tools.node,
    NO_COLOR: "1",
    npm_config_update_notifier: "false",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
    GOFLAGS: "-mod=mod",
    PIP_CACHE_DIR: join(REPO, ".pulumi-home/pip-cache"),
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    ...(language === "Python" ? { VIRTUAL_ENV: venv } : {}),
  };
  /** The README's commands, with the substitutions the header lists. */
  const rewrite = (command: string): string => {
    let c = command
      .replace(
        /\bnpm install pulumi-agent-alias\b/,
        `npm install --prefer-offline --no-audit --no-fund ${packages}`,
      )
      .replaceAll("8742", String(port));
    if (language === "Python" || language === "Go") {
      const op = /^pulumi (preview|up|destroy)\b(.*?)(#.*)?$/.exec(c);
      if (op) {
        const diff = op[2]!.includes("--diff");
        c =
          language === "Python"
            ? `python driver.py ${op[1]}${diff ? " --diff" : ""}`
            : `OP=${op[1]} DIFF=${diff ? "1" : ""} ./readme.test -test.run TestDriver -test.v`;
      }
    }
    return c;
  };
  const shell = new Shell({ cwd: dir, env, rewrite });
  let log = "";
  try {
    newProject(language, dir, venv);
    // `pulumi new python` makes the virtual environment and installs requirements.txt: a
    // shared one with the same pulumi (helpers/outside.ts).
    const steps = [...under(USE, language), ...under(USE, TRY)];
    for (const block of steps) {
      if (block.attrs.file !== undefined) {
        writeFileSync(join(dir, block.attrs.file), block.body);
        continue;
      }
      for (const command of commandsOf(block.body)) {
        if (language === "Go" && /^go mod tidy\b/.test(command)) {
          await shell.ok(command);
          // The driver is a test binary of the README's package.
          await shell.ok("go test -c -o readme.test .");
          continue;
        }
        const ready = /\bemulator\b.*&/.test(command)
          ? `http://127.0.0.1:${port}/_emulator/health`
          : undefined;
        const r = await shell.ok(command, ready);
        log += `$ ${r.command}\n${r.output}\n`;
        const quoted = /(sample '[^']*' -> .*)$/.exec(commentOf(command));
        if (quoted) expect(r.output, `${command}\n${r.output}`).toContain(quoted[1]);
      }
    }
    return log;
  } finally {
    await shell.stop();
  }
}

describe("the README for a newcomer", () => {
  it("is under 250 lines, names Vectara agent aliases first, and keeps its sections in order", () => {
    expect(README.split("\n").length).toBeLessThan(250);
    const intro = README.split("\n## ")[0]!;
    expect(intro.split(/(?<=\.)\s+(?=[A-Z])/).length).toBe(3); // what it is, in three sentences
    expect(intro.slice(0, 120)).toContain("Vectara agent aliases");
    const sections = [...README.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    expect(sections).toEqual([USE, CONTRIBUTORS, "Reference"]);
    expect([...README.matchAll(/^### (.*)$/gm)].map((m) => m[1])).toEqual([
      INSTALL,
      ...LANGUAGES,
      TRY,
      ROLLOUTS,
      TERRAFORM,
    ]);
    for (const c of ["npm ci && npm run demo", "npm ci && npm test"]) expect(README).toContain(`\n${c} `);
  });
});

describe("the README's guarded rollouts", () => {
  const section = README.slice(README.indexOf(`### ${ROLLOUTS}`), README.indexOf(`### ${TERRAFORM}`));

  it("shows the rollout, its status and steering commands, and a screenshot of the dashboard", async () => {
    expect(section).toContain("`npx agent-alias rollout --stack dev --policy rollout.yaml`");
    expect(section).toContain("`rollout status --stack dev --watch`");
    const image = /!\[[^\]]+\]\((docs\/images\/dashboard\.png)\)/.exec(section);
    expect(image, section).not.toBeNull();
    expect(statSync(join(REPO, image![1]!)).size).toBeGreaterThan(10_000);
    // Each verb it names is one the command takes, with the flags it shows.
    for (const verb of ["status", "pause", "resume", "promote", "abort", "dashboard"]) {
      expect(section).toMatch(new RegExp(`\`(rollout )?${verb}[ \`]`));
      const help = await cli(["rollout", verb, "--help"]);
      expect(help.code).toBe(0);
      for (const flag of ["--stack", "--watch", "--reason"]) expect(help.stdout).toContain(flag);
    }
  });
});

describe("the README's code blocks", () => {
  it("every block is a file of a project, a command that runs below, or listed as not run", () => {
    const languages = new Set<string>([...LANGUAGES, TRY]);
    for (const b of BLOCKS) {
      const where = `README.md:${b.line} (${b.headings.join(" > ")})`;
      if (b.headings[1] === USE) {
        expect(languages.has(b.headings[2] ?? ""), where).toBe(true);
        expect(b.attrs.file !== undefined || b.lang === "sh", where).toBe(true);
      } else if (b.headings[1] === CONTRIBUTORS) {
        expect(b.lang, where).toBe("sh");
      } else {
        throw new Error(`${where}: a code block outside the sections this test runs`);
      }
    }
    for (const language of LANGUAGES) expect(under(USE, language).length).toBeGreaterThan(0);
    // Each contributors' command runs below (the demo) or says why not.
    for (const c of under(CONTRIBUTORS).flatMap((b) => commandsOf(b.body))) {
      const bare = c.replace(/\s#.*$/, "").trim();
      expect(bare === "npm ci && npm run demo" || Object.hasOwn(NOT_RUN, bare), c).toBe(true);
    }
  });

  it.concurrent.each(LANGUAGES.map((l) => [l]))(
    "%s: the project runs against the emulator",
    async (language) => {
      const log = await follow(language as Language);
      expect(log).toMatch(/pulumi (up|destroy)|driver|readme\.test/);
      expect(log).toMatch(/aliasKey\s*: "support"/);
    },
  );

  it.concurrent("contributors: npm run demo (after npm ci and its build, which npm test has done)", async () => {
    const [command] = under(CONTRIBUTORS)
      .flatMap((b) => commandsOf(b.body))
      .filter((c) => /npm run demo/.test(c));
    expect(command).toMatch(/^npm ci && npm run demo\b/);
    // `npm run demo` is `npm run build && node scripts/demo.mjs`: building again while other
    // tests read dist/ would pull it from under them, so this runs the second half.
    const { scripts } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(scripts.demo).toBe("npm run build && node scripts/demo.mjs");
    const r = await run(process.execPath, [join(REPO, "scripts/demo.mjs")], {
      cwd: REPO,
      timeout: 600_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(r.stdout).toContain("Demo complete.");
  });
});
