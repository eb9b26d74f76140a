/**
 * A real emulator on 127.0.0.1, port 0, for any test that needs a server: `startTestEmulator`
 * returns its `url`, the `apiKey` it accepts, a small JSON `call` helper, and `close`.
 * Always close it (e.g. in `afterAll`/`afterEach` or a `try/finally`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type EmulatorOptions,
  type RunningEmulator,
  runEmulatorCommand,
  startEmulator,
} from "../../src/emulator/index.js";

export const TEST_API_KEY = "test-key";

/** A parsed JSON answer; tests read it field by field and assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked by the tests' assertions
export type Json = any;

export interface CallResult<T = Json> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
}

export interface TestEmulator {
  readonly url: string;
  readonly apiKey: string;
  readonly running: RunningEmulator;
  /** One JSON call with the API key; `body` is sent as JSON unless it is a string. */
  call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<CallResult<T>>;
  close(): Promise<void>;
}

/** Sends one request to `url + path` and parses the JSON answer. */
export async function callJson<T = Json>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
}

/** Starts an in-process emulator on 127.0.0.1:0 (API key `test-key` unless `options.apiKey`). */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const apiKey = options.apiKey ?? TEST_API_KEY;
  const running = await startEmulator({ ...options, apiKey, host: "127.0.0.1", port: 0 });
  return {
    url: running.url,
    apiKey,
    running,
    call: (method, path, body, headers = {}) =>
      callJson(running.url, method, path, body, { "x-api-key": apiKey, ...headers }),
    close: () => running.close(),
  };
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let built: Promise<string> | undefined;

/** Every source file the emulator's entry point can import, and the compiler settings. */
function sourceHash(): string {
  const hash = createHash("sha256");
  const files = ["tsconfig.json", "package-lock.json"];
  for (const dir of ["src/emulator", "src/policy", "src/userfn", "src/wire", "src/client"]) {
    for (const f of readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" }).sort()) {
      if (f.endsWith(".ts")) files.push(join(dir, f));
    }
  }
  for (const f of files)
    hash
      .update(f)
      .update("\0")
      .update(readFileSync(join(ROOT, f)))
      .update("\0");
  return hash.digest("hex").slice(0, 16);
}

/**
 * Compiles the emulator's entry point (src/emulator/main.ts and what it imports) with tsc
 * into a temporary folder named after a hash of those sources, and returns the path of
 * main.js. A child process cannot run the TypeScript sources, and `dist/` may be stale or
 * half-built by someone else; this build is exactly the sources under test, made once per
 * change and shared by test files (a finished build is moved into place atomically).
 */
export function buildEmulatorEntry(): Promise<string> {
  built ??= (async () => {
    const final = join(tmpdir(), `agent-alias-emulator-${sourceHash()}`);
    const main = join(final, "emulator/main.js");
    if (existsSync(main)) return main;
    const out = mkdtempSync(join(tmpdir(), "agent-alias-emulator-build-"));
    writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
    symlinkSync(join(ROOT, "node_modules"), join(out, "node_modules"), "dir");
    const config = join(out, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(ROOT, "tsconfig.json"),
        compilerOptions: {
          rootDir: join(ROOT, "src"),
          outDir: out,
          noEmit: false,
          declaration: false,
          sourceMap: false,
        },
        // worker.ts is loaded by URL (thread.ts), not imported: name it too.
        files: [join(ROOT, "src/emulator/main.ts"), join(ROOT, "src/emulator/worker.ts")],
        include: [],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", config], {
      encoding: "utf8",
    });
    if (!existsSync(join(out, "emulator/main.js"))) {
      throw new Error(`building the emulator failed:\n${tsc.stdout}${tsc.stderr}`);
    }
    try {
      renameSync(out, final);
    } catch {
      // Another test process finished the same build first; use that one.
      rmSync(out, { recursive: true, force: true });
    }
    return main;
  })();
  return built;
}

export interface EmulatorProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Runs `node main.js ARGS` (the built entry) and waits for the URL on its first stdout line. */
export async function spawnEmulator(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<EmulatorProcess> {
  const main = await buildEmulatorEntry();
  const child = spawn(process.execPath, [main, ...args], {
    env: { ...process.env, AGENT_ALIAS_API_KEY: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl !== -1) resolve(out.slice(0, nl));
    });
    exited.then((code) => reject(new Error(`emulator exited (${code}) before printing its URL:\n${err}`)));
  });
  return { url, child, stderr: () => err, exited };
}

/**
 * Runs `agent-alias emulator ARGS` in this process until `stop`: `url` resolves with stdout's
 * first line (the URL), `exit` with the exit code; `out`/`err` are what it printed so far.
 */
export function runEmulatorInProcess(argv: string[], env: Record<string, string | undefined> = {}) {
  const controller = new AbortController();
  let out = "";
  let err = "";
  let firstLine: (line: string) => void = () => {};
  const url = new Promise<string>((resolve) => (firstLine = resolve));
  const exit = runEmulatorCommand(argv, {
    stdout: {
      write(chunk: string) {
        out += chunk;
        if (out.includes("\n")) firstLine(out.slice(0, out.indexOf("\n")));
        return true;
      },
    },
    stderr: {
      write(chunk: string) {
        err += chunk;
        return true;
      },
    },
    env,
    signal: controller.signal,
    inProcess: true, // a worker thread cannot load the TypeScript sources
  });
  return { url, exit, stop: () => controller.abort(), out: () => out, err: () => err };
}

/** Runs the command once: stopped as soon as it prints its URL; the exit code and stderr. */
export async function emulatorCommandOutcome(argv: string[]): Promise<{ code: number; err: string }> {
  const cmd = runEmulatorInProcess(argv);
  void cmd.url.then(cmd.stop);
  return { code: await cmd.exit, err: cmd.err() };
}
