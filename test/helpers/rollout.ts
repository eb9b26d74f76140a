/**
 * Rehearsals of `agent-alias rollout` on the emulator with the real Pulumi CLI: an emulator
 * with agent profiles, the test program test/fixtures/programs/rollout-stage deployed at
 * `baseline` from a policy file whose canary block is the stage table, and the rollout run
 * with traffic through the alias (in this process, or as a child process of bin/agent-alias.js).
 * Call `disposeRehearsal()` in `afterEach`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { vi } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { AgentAliasClient } from "../../src/client/index.js";
import { runTraffic, type TrafficResult } from "../../src/emulator/traffic.js";
import { murmur3 } from "../../src/policy/index.js";
import type { RolloutResult } from "../../src/rollout/runner.js";
import { REPO } from "./cli.js";
import { startTestEmulator, type TestEmulator } from "./emulator.js";
import { TestStack } from "./pulumi.js";

export const PROGRAM = join(REPO, "test/fixtures/programs/rollout-stage");
export const SECRET = "rollout-engine-secret";
const PASSPHRASE = "engine-test-passphrase";

export interface PolicyOptions {
  minTraces: number;
  hold?: string;
  maxWait?: string;
  /** YAML of further gates, e.g. `p95_duration: { max_ratio: 1.2 }`. */
  extraGates?: string;
}

/** A policy file whose canary block is the stage table of the program and of the rollout. */
export function policyText({ minTraces, hold = "3s", maxWait = "10s", extraGates }: PolicyOptions): string {
  return `key: support
name: Customer Support
canary:
  from: support-v1
  to: support-v2
  partition_by: "get('$.session.metadata.user_id', get('$.session.key'))"
  current: canary-50
  hold: ${hold}
  max_wait: ${maxWait}
  gates:
    min_traces: ${minTraces}
    error_rate: { max_increase_points: 3, max: 5 }
${extraGates === undefined ? "" : `    ${extraGates}\n`}  stages:
    - { name: baseline, weights: [100, 0] }
    - { name: canary-50, weights: [50, 50] }
    - { name: complete, weights: [0, 100] }
`;
}

/**
 * A proxy in front of `upstream` that answers 503 (without forwarding) to the trace reads
 * `fail` selects, by their 0-based index among the trace reads; everything else is forwarded.
 */
export interface FaultProxy {
  url: string;
  /** Trace reads seen, and how many of them were answered 503. */
  traceReads: number;
  failed: number;
  close(): Promise<void>;
}

export async function startTraceFaultProxy(
  upstream: string,
  fail: (index: number) => boolean,
): Promise<FaultProxy> {
  const read = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
    });
  const proxy: FaultProxy = { url: "", traceReads: 0, failed: 0, close: async () => {} };
  const server = createServer(async (req, res) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const body = await read(req);
    if (method === "GET" && path.startsWith("/v2/agent_analytics/traces")) {
      const index = proxy.traceReads++;
      if (fail(index)) {
        proxy.failed++;
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ messages: ["injected fault: service unavailable"] }));
        return;
      }
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
    const answer = await fetch(upstream + path, { method, headers, ...(body.length > 0 ? { body } : {}) });
    const text = await answer.text();
    const out = Object.fromEntries(answer.headers.entries());
    delete out["content-encoding"];
    delete out["content-length"];
    delete out["transfer-encoding"];
    res.writeHead(answer.status, out);
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

export interface Rehearsal {
  emu: TestEmulator;
  stack: TestStack;
  policyFile: string;
  api: AgentAliasClient;
  /** The API URL in the stack's provider config (the emulator's, or the fault proxy's). */
  apiUrl: string;
  proxy?: FaultProxy;
}

export interface RehearsalOptions extends PolicyOptions {
  /** `--agent-profile` values, e.g. `support-v2=errors=0.08`. */
  profiles: string[];
  /** Answer this share of the trace reads with 503 (deterministic: by a hash of the read's index). */
  traceFaults?: number;
}

let open: Rehearsal | undefined;

/** Ends the rehearsal started last: destroys the stack, stops the proxy and the emulator. */
export async function disposeRehearsal(): Promise<void> {
  vi.unstubAllEnvs();
  const r = open;
  open = undefined;
  await r?.stack.dispose();
  await r?.proxy?.close();
  await r?.emu.close();
}

/** The environment the rollout's Automation API (and a child rollout) runs pulumi with. */
export function pulumiEnv(r: Rehearsal): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${r.stack.backend}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

/** Starts an emulator with the profiles, creates the agents, and deploys the program at `baseline`. */
export async function rehearsal(options: RehearsalOptions): Promise<Rehearsal> {
  const emu = await startTestEmulator({ apiKey: SECRET, agentProfiles: options.profiles, randomSeed: 16 });
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: SECRET, env: {} });
  for (const key of ["support-v1", "support-v2"]) await api.createAgent({ key, name: key });
  const stack = new TestStack(PROGRAM, "rollout");
  const r: Rehearsal = { emu, stack, policyFile: join(stack.dir, "policy.yaml"), api, apiUrl: emu.url };
  open = r;
  const share = options.traceFaults;
  if (share !== undefined) {
    // Read i fails when a hash of i falls under the share: deterministic, and failures can
    // come in a row (as an overloaded API's do), so some exhaust the client's own retries.
    r.proxy = await startTraceFaultProxy(emu.url, (i) => murmur3(`trace-read-${i}`) / 2 ** 32 < share);
    r.apiUrl = r.proxy.url;
  }
  writeFileSync(r.policyFile, policyText(options));
  await stack.init(
    { "agent-alias:apiUrl": r.apiUrl, policyFile: r.policyFile, canaryStage: "baseline" },
    { "agent-alias:apiKey": SECRET },
  );
  await stack.ok(["up", "--yes"]);
  for (const [k, v] of Object.entries(pulumiEnv(r))) vi.stubEnv(k, v);
  return r;
}

/** Traffic through the alias until `stop` (a pool of 500 users, seed 7: the same users every run). */
export function traffic(r: Rehearsal, rate: number) {
  const controller = new AbortController();
  const done: Promise<TrafficResult> = runTraffic({
    url: r.emu.url,
    apiKey: SECRET,
    alias: "support",
    rate,
    durationMs: 10 * 60_000,
    seed: 7,
    users: 500,
    traces: false,
    signal: controller.signal,
  });
  return {
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** The `agent-alias rollout` arguments of a rehearsal (with `--json` and `--interval 1s`). */
export function rolloutArgs(r: Rehearsal, extra: string[] = []): string[] {
  return [
    "rollout",
    "--stack",
    r.stack.stack,
    "--cwd",
    PROGRAM,
    "--config-file",
    r.stack.configFile,
    "--policy",
    r.policyFile,
    "--interval",
    "1s",
    "--json",
    ...extra,
  ];
}

/** Runs `agent-alias rollout --json` in this process with traffic through the alias until it ends. */
export async function rollout(r: Rehearsal, rate: number, extra: string[] = []) {
  const load = traffic(r, rate);
  let out = "";
  let err = "";
  const code = await runCli(rolloutArgs(r, extra), {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
  }).finally(() => load.stop());
  await load.done;
  return { code, result: JSON.parse(out) as RolloutResult, err };
}

/** Runs `node bin/agent-alias.js rollout …` as a child process (dist/ must be built). */
export function spawnRollout(r: Rehearsal, extra: string[] = []) {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO, "bin/agent-alias.js"), ...rolloutArgs(r, extra)],
    {
      cwd: REPO,
      env: { ...process.env, ...pulumiEnv(r), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  /** Resolves once stderr matches `pattern` (rejects if the process ends first). */
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const tick = setInterval(() => {
        if (pattern.test(err)) {
          clearInterval(tick);
          resolve();
        }
      }, 50);
      void exited.then((code) => {
        clearInterval(tick);
        if (!pattern.test(err)) reject(new Error(`rollout exited (${code}) before ${pattern}:\n${err}`));
      });
    });
  return { child, exited, waitFor, stdout: () => out, stderr: () => err };
}

/** The stage in the stack's config file. */
export const configStage = (r: Rehearsal) =>
  /canaryStage: (\S+)/.exec(readFileSync(r.stack.configFile, "utf8"))?.[1];
