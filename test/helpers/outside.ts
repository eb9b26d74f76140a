/**
 * The package as users get it, outside the repository: `npm pack` of the built package, and a
 * folder (in the system's temporary folder, so nothing of the repository's node_modules is
 * found by walking up) whose node_modules holds the tarball installed with what a Pulumi
 * TypeScript project of the templates has (`@pulumi/pulumi`, `typescript` 5, `@types/node`
 * 18) and Node.js 22.19 (the oldest the package supports). Projects made as subfolders of it
 * resolve those packages as a project of their own would.
 *
 * Made once per content of the tarball and shared: by every test file of one run (a lock
 * folder serialises the first setup across vitest workers) and by later runs while the
 * package does not change. Folders of older tarballs are removed after a day.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO } from "./cli.js";

const run = promisify(execFile);

/** The oldest Node.js the package supports (package.json `engines`), run by the outside tests. */
export const OLDEST_NODE = "22.19.0";

export interface OutsideTools {
  /** The folder whose node_modules the projects below it use. */
  readonly dir: string;
  /** The packed package (`npm pack`). */
  readonly tarball: string;
  /** Node.js OLDEST_NODE. */
  readonly node: string;
  /** A fresh, empty project folder under `dir` (its parent's node_modules in reach). */
  project(name: string): string;
}

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * The tsconfig of Pulumi's TypeScript template (`pulumi new typescript`), with its module and
 * resolution: `commonjs`/`node` from 2024-04 to 2026-03, `nodenext`/`nodenext` since.
 */
export function templateTsconfig(module: string, moduleResolution: string): string {
  return `${JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        outDir: "bin",
        target: "es2020",
        module,
        moduleResolution,
        sourceMap: true,
        experimentalDecorators: true,
        pretty: true,
        noFallthroughCasesInSwitch: true,
        noImplicitReturns: true,
        forceConsistentCasingInFileNames: true,
      },
      files: ["index.ts"],
    },
    null,
    4,
  )}\n`;
}

/** Runs npm (the one that runs this test) with output kept for the error message. */
export async function npm(args: string[], cwd: string, timeout = 600_000): Promise<string> {
  try {
    const { stdout } = await run("npm", args, {
      cwd,
      timeout,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: "false" },
    });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(" ")} in ${cwd} failed:\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }
}

const ROOT = join(tmpdir(), `agent-alias-outside-${process.getuid?.() ?? "user"}`);
let made: Promise<OutsideTools> | undefined;

/** The packed package and the shared outside folder (made on first use; see the header). */
export function outsideTools(): Promise<OutsideTools> {
  made ??= make();
  return made;
}

async function make(): Promise<OutsideTools> {
  mkdirSync(ROOT, { recursive: true });
  // The tarball's integrity names its content (npm normalises times and order).
  const [dry] = JSON.parse(await npm(["pack", "--dry-run", "--json"], REPO)) as [{ shasum: string }];
  const dir = join(ROOT, dry.shasum.slice(0, 16));
  await madeOnce(dir, () => setUp(dir));
  prune(dir);
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
  return {
    dir,
    tarball,
    node: join(dir, "node_modules/node/bin/node"),
    project(name: string): string {
      const p = join(dir, "projects", `${name}-${process.pid}-${Date.now().toString(36)}`);
      mkdirSync(p, { recursive: true });
      return p;
    },
  };
}

async function setUp(dir: string): Promise<void> {
  // A setup cut short leaves no .ready: start again from nothing.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await npm(["pack", "--pack-destination", dir], REPO);
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "outside", private: true })}\n`);
  await npm(
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      `./${tgz}`,
      `@pulumi/pulumi@${pkg.dependencies["@pulumi/pulumi"]}`,
      `typescript@${pkg.devDependencies.typescript}`,
      "@types/node@^18",
      `node@${OLDEST_NODE}`,
    ],
    dir,
  );
}

/**
 * A Python virtual environment with the `pulumi` package at the version of the package's SDK,
 * as `pulumi new python` leaves a project's: made once per checkout (its path names this
 * repository, so worktrees never install into one another's) and kept across runs.
 */
export async function pythonVenv(): Promise<string> {
  mkdirSync(ROOT, { recursive: true });
  const version = pkg.dependencies["@pulumi/pulumi"]!;
  const tag = createHash("sha256").update(REPO).digest("hex").slice(0, 12);
  const venv = join(ROOT, `venv-pulumi-${version}-${tag}`);
  await madeOnce(venv, async () => {
    rmSync(venv, { recursive: true, force: true });
    const env = {
      ...process.env,
      PIP_CACHE_DIR: join(REPO, ".pulumi-home/pip-cache"),
      PIP_DISABLE_PIP_VERSION_CHECK: "1",
    };
    await run("python3", ["-m", "venv", venv], { env });
    await run(join(venv, "bin/python"), ["-m", "pip", "install", "--quiet", `pulumi==${version}`], {
      env,
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  });
  return venv;
}

/**
 * Makes `dir` with `make` unless it is made already (it holds `.ready`, written last), one
 * maker at a time across processes (a lock folder beside it); marks it used now.
 */
async function madeOnce(dir: string, make: () => Promise<void>): Promise<void> {
  const ready = join(dir, ".ready");
  const lock = `${dir}.lock`;
  for (const started = Date.now(); !existsSync(ready); ) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - started > 900_000) throw new Error(`gave up waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (!existsSync(ready)) {
        await make();
        writeFileSync(ready, `${new Date().toISOString()}\n`);
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  utimesSync(dir, new Date(), new Date());
}

/** Removes the folders of other tarballs that were not used for a day. */
function prune(keep: string): void {
  const day = 24 * 3600 * 1000;
  for (const name of readdirSync(ROOT)) {
    const path = join(ROOT, name);
    if (path === keep || name.endsWith(".lock")) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > day) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run may be removing it too.
    }
  }
}
