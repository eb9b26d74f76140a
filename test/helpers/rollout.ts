/**
 * Rehearsals of `agent-alias rollout` on the emulator with the real Pulumi CLI: an emulator
 * with agent profiles, the test program test/fixtures/programs/rollout-stage deployed at
 * `baseline` from a policy file whose canary block is the stage table, and the rollout run
 * with traffic through the alias (in this process, or as a child process of bin/agent-alias.js).
 * Call `disposeRehearsal()` in `afterEach`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vi } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { AgentAliasClient } from "../../src/client/index.js";
import type { RolloutResult } from "../../src/rollout/report-types.js";
import { runTraffic, type TrafficOptions, type TrafficResult } from "../../src/traffic/index.js";
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

export interface Rehearsal {
  emu: TestEmulator;
  stack: TestStack;
  policyFile: string;
  api: AgentAliasClient;
  /** The API URL in the stack's provider config (the emulator's). */
  apiUrl: string;
}

export interface RehearsalOptions extends PolicyOptions {
  /** `--agent-profile` values, e.g. `support-v2=errors=0.08`. */
  profiles: string[];
  /** The policy file's whole text (default `policyText(options)`). */
  policy?: string;
  /** The agents to create (default support-v1 and support-v2). */
  agents?: string[];
  /** The stage deployed before the rollout (default baseline). */
  stage?: string;
  /**
   * The emulator's faults answer this share of the trace listings 503 (`--faults
   * rate=…,ops=traces.list`, seeded: the same sequence of draws every run, though which read
   * meets which draw depends on timing); nothing else is faulted.
   */
  traceFaults?: number;
}

let open: Rehearsal | undefined;

/** Ends the rehearsal started last: destroys the stack and stops the emulator. */
export async function disposeRehearsal(): Promise<void> {
  vi.unstubAllEnvs();
  const r = open;
  open = undefined;
  await r?.stack.dispose();
  await r?.emu.close();
}

/** The environment the rollout's Automation API (and a child rollout) runs pulumi with. */
export function pulumiEnv(r: { stack: TestStack }): Record<string, string> {
  return {
    PULUMI_BACKEND_URL: `file://${r.stack.backend}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

/** Starts an emulator with the profiles, creates the agents, and deploys the program at `baseline`. */
export async function rehearsal(options: RehearsalOptions): Promise<Rehearsal> {
  const share = options.traceFaults;
  const emu = await startTestEmulator({
    apiKey: SECRET,
    agentProfiles: options.profiles,
    randomSeed: 16,
    ...(share === undefined ? {} : { faults: `rate=${share},status=503,ops=traces.list,seed=16` }),
  });
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: SECRET, env: {} });
  for (const key of options.agents ?? ["support-v1", "support-v2"]) await api.createAgent({ key, name: key });
  const stack = new TestStack(PROGRAM, "rollout");
  const r: Rehearsal = { emu, stack, policyFile: join(stack.dir, "policy.yaml"), api, apiUrl: emu.url };
  open = r;
  writeFileSync(r.policyFile, options.policy ?? policyText(options));
  await stack.init(
    { "agent-alias:apiUrl": r.apiUrl, policyFile: r.policyFile, canaryStage: options.stage ?? "baseline" },
    { "agent-alias:apiKey": SECRET },
  );
  await stack.ok(["up", "--yes"]);
  for (const [k, v] of Object.entries(pulumiEnv(r))) vi.stubEnv(k, v);
  return r;
}

/** The emulator's fault counts: trace listings it drew for, and those it answered 503. */
export async function traceFaultStats(r: Rehearsal): Promise<{ reads: number; failed: number }> {
  const stats = (await r.emu.call("GET", "/_emulator/stats")).body as {
    faults: { calls: number; status: number };
  };
  return { reads: stats.faults.calls, failed: stats.faults.status };
}

/** Where and how traffic goes: another alias, sessions made directly on an agent, session fields. */
export type TrafficShape = Partial<
  Pick<TrafficOptions, "alias" | "agent" | "contexts" | "users" | "keyPrefix">
>;

/** Traffic through the alias until `stop` (a pool of 500 users, seed 7: the same users every run). */
export function traffic(r: Rehearsal, rate: number, shape: TrafficShape = {}) {
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
    ...shape,
  });
  return {
    done,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** Where a rehearsal's stack is: `--stack`, `--cwd` and `--config-file`, as the rollout takes them. */
export function stackFlags(r: Rehearsal): string[] {
  return ["--stack", r.stack.stack, "--cwd", PROGRAM, "--config-file", r.stack.configFile];
}

/** The `agent-alias rollout` arguments of a rehearsal (with `--json` and `--interval 1s`). */
export function rolloutArgs(r: Rehearsal, extra: string[] = []): string[] {
  return ["rollout", ...stackFlags(r), "--policy", r.policyFile, "--interval", "1s", "--json", ...extra];
}

export interface RolloutRun {
  /** Further traffic while it runs (other aliases, direct sessions, other tenants). */
  also?: { rate: number; shape: TrafficShape }[];
  /** Called with each progress line as it is written. */
  onProgress?: (line: string) => void;
  /** The shape of the traffic through the alias under rollout. */
  shape?: TrafficShape;
}

/** Runs `agent-alias rollout --json` in this process with traffic through the alias until it ends. */
export async function rollout(r: Rehearsal, rate: number, extra: string[] = [], run: RolloutRun = {}) {
  const loads = [
    ...(rate > 0 ? [traffic(r, rate, run.shape)] : []),
    ...(run.also ?? []).map((a) => traffic(r, a.rate, a.shape)),
  ];
  let out = "";
  let err = "";
  const code = await runCli(rolloutArgs(r, extra), {
    stdout: { write: (c: string) => (out += c) },
    stderr: {
      write: (c: string) => {
        err += c;
        for (const line of c.split("\n")) if (line !== "") run.onProgress?.(line);
      },
    },
  }).finally(() => Promise.all(loads.map((l) => l.stop())));
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
export const configStage = (r: { stack: TestStack }) =>
  /canaryStage: (\S+)/.exec(readFileSync(r.stack.configFile, "utf8"))?.[1];

/** The weights the alias serves on its first weighted rule, as `v1:95,v2:5` (or `single:v1`). */
export async function servedWeights(r: Rehearsal): Promise<string> {
  const rules = (await r.api.getAlias("support")).policy.rules;
  const t = rules.find((x) => x.targets.type === "weighted")?.targets ?? rules[0]!.targets;
  return t.type === "weighted"
    ? t.options.map((o) => `${o.agent_key}:${o.weight}`).join(",")
    : `single:${t.agent_key}`;
}

/** Reads what the alias serves every 100 ms until `stop`, which gives every reading in order. */
export function pollServed(r: Rehearsal) {
  const seen: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      try {
        seen.push(await servedWeights(r));
      } catch {
        // a read that failed is no reading
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return seen;
    },
  };
}

/** Sets the emulator's faults (`PUT /_emulator/faults`); `{}` clears them. */
export async function setFaults(r: Rehearsal, faults: Record<string, unknown>): Promise<void> {
  const res = await r.emu.call("PUT", "/_emulator/faults", { rate: 0, latency_ms: 0, ...faults });
  if (res.status !== 200) throw new Error(`faults: ${JSON.stringify(res.body)}`);
}

/** Calls the emulator's faults have drawn for (the operations they are limited to). */
export async function faultCalls(r: Rehearsal): Promise<number> {
  return (await traceFaultStats(r)).reads;
}

/** Resolves once `check` holds, polling every 50 ms (rejects after `ms`). */
export async function until(check: () => Promise<boolean> | boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The lock files of the stack's backend (a killed `pulumi up` leaves one). */
export function lockFiles(r: Rehearsal): string[] {
  const root = join(r.stack.backend, ".pulumi", "locks");
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith(".json"));
}
