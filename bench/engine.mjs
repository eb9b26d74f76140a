/**
 * What the benchmarks that drive the real Pulumi CLI share (bench/scale.bench.mjs,
 * bench/native.bench.mjs): the emulator in its own process, a counting proxy in front of it,
 * CPU seconds by process role read from /proc, a stack with a file backend in a temporary
 * folder, one timed step with the API calls it made, and the small statistics they report.
 * Every helper leaves the machine as it found it once its `close`/`dispose` has run.
 */

import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, Agent as HttpAgent, request as httpRequest } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { stringify } from "yaml";

export const REPO = fileURLToPath(new URL("..", import.meta.url));
export const PULUMI = join(REPO, "scripts/pulumi.sh");
/** How long one pulumi command may run (a large stack's may run longer: `makeStack`'s `timeoutMs`). */
export const STEP_TIMEOUT_MS = 15 * 60_000;

// ---- the emulator, its own process ---------------------------------------------------------
/** The built emulator (dist/emulator/main.js) on an ephemeral port; resolves to its URL and process. */
export function startEmulator(apiKey) {
  const child = spawn(
    process.execPath,
    [join(REPO, "dist/emulator/main.js"), "--port", "0", "--host", "127.0.0.1", "--api-key", apiKey],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl !== -1) resolve({ url: out.slice(0, nl), child });
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}; run npm run build first`)));
  });
}

// ---- a counting proxy: every call the provider makes, as "METHOD /path" ----------------------
export async function startCountingProxy(upstream) {
  const target = new URL(upstream);
  const agent = new HttpAgent({ keepAlive: true });
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- CPU time by process, for the processes a pulumi command starts -------------------------
const NATIVE = "native provider (node)";
/** The command line of a provider server itself (not of a launcher or its helpers). */
const SERVER = /dist\/native\/main\.js|dist\/terraform\/main\.js|cmd\/dynamic-provider\/index\.js/;

/** The role of a process in a Pulumi run, from its command line. */
export function roleOf(cmd) {
  if (cmd.includes("dynamic-provider")) return "dynamic provider (node)";
  // The native plugin: its launcher script, then (the same pid, exec'd) Node.js on dist/native.
  if (cmd.includes("pulumi-resource-agent-alias") || cmd.includes("dist/native/main.js")) return NATIVE;
  // The Terraform provider, the same way; and OpenTofu itself.
  if (cmd.includes("terraform-provider-agentalias") || cmd.includes("dist/terraform/main.js"))
    return "terraform provider (node)";
  if (/\/tofu(\s|$)/.test(cmd)) return "tofu (go)";
  if (cmd.includes("cmd/run")) return "program (node)";
  if (cmd.includes("pulumi-language-nodejs")) return "language host (go)";
  if (cmd.includes("pulumi-language-yaml")) return "language host (yaml, go)";
  if (cmd.includes("pulumi-resource-pulumi-nodejs")) return "provider launcher";
  if (/\/pulumi(\s|$)/.test(cmd)) return "engine and CLI (go)";
  return "other";
}

/**
 * Samples, every 100 ms, the CPU time (utime + stime from /proc) of every process descended
 * from `root`, keeping each one's last reading; `stop()` gives CPU seconds by role, and then
 * `servers()` how many provider servers (the native plugin's or the dynamic provider's Node.js
 * process, not their launchers' helpers) each role had, by the role of the process that started
 * them (`{"native provider (node)": {"engine and CLI (go)": 2, …}}`). A process that ends
 * between two samples
 * loses at most its last 100 ms. A process with no role of its own started by the native
 * plugin (its launcher's Node.js version check) counts as the plugin. Linux only (empty
 * elsewhere).
 */
export function watchCpu(root) {
  const last = new Map();
  const scan = () => {
    let pids;
    try {
      pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    const stat = new Map();
    for (const pid of pids) {
      try {
        stat.set(pid, readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "));
      } catch {}
    }
    const descends = (pid) => {
      for (let p = pid, n = 0; p && n < 30; p = stat.get(p)?.[1], n++) if (p === String(root)) return true;
      return false;
    };
    for (const [pid, f] of stat) {
      if (!descends(pid)) continue;
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      // Read each time (a launcher script execs node under the same pid), but an ended
      // process has an empty command line: it keeps the role it had.
      let role = "other";
      let server = last.get(pid)?.server ?? false;
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        role = roleOf(cmd);
        server ||= SERVER.test(cmd);
      } catch {}
      if (role === "other") role = last.get(pid)?.role ?? role;
      if (role === "other" && last.get(f[1])?.role === NATIVE) role = NATIVE;
      // The parent's role when first known (a launcher exec'd in place keeps its parent).
      const by = last.get(pid)?.by ?? last.get(f[1])?.role;
      last.set(pid, { role, cpu, server, by });
    }
  };
  const timer = setInterval(scan, 100);
  return {
    stop() {
      clearInterval(timer);
      scan();
      const by = {};
      for (const { role, cpu } of last.values()) by[role] = Math.round(((by[role] ?? 0) + cpu) * 100) / 100;
      return by;
    },
    servers() {
      const n = {};
      for (const { role, server, by = "other" } of last.values()) {
        if (!server) continue;
        n[role] ??= {};
        n[role][by] = (n[role][by] ?? 0) + 1;
      }
      return n;
    },
  };
}

// ---- a process's start-up alone ---------------------------------------------------------------
/**
 * Milliseconds from spawning `cmd` to the first line on its stdout (a plugin's port or
 * handshake), and the CPU milliseconds of that process by then (a launcher's own children
 * not included); the process is killed afterwards.
 */
export function firstLine(cmd, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.once("exit", (code) => reject(new Error(`${cmd} exited with ${code} before printing a line`)));
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      if (!out.includes("\n")) return;
      const ms = performance.now() - started;
      let cpu = Number.NaN;
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
        cpu = (Number(f[11]) + Number(f[12])) * 10;
      } catch {}
      child.removeAllListeners("exit");
      child.kill("SIGKILL");
      resolve({ ms: Math.round(ms), cpu_ms: cpu });
    });
  });
}

// ---- a stack with a file backend and a config file in a temporary folder -------------------
/**
 * A stack `name` of the program in `programDir`, its state and config file in a fresh
 * temporary folder; `dispose()` destroys it (with `parallel`), removes it and the folder.
 */
export function makeStack(
  programDir,
  name,
  { parallel, tmpPrefix = "agent-alias-scale-", timeoutMs = STEP_TIMEOUT_MS },
) {
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const backend = join(dir, "state");
  mkdirSync(backend);
  const configFile = join(dir, `Pulumi.${name}.yaml`);
  const run = (args, { cpu = false, env = {} } = {}) =>
    new Promise((resolve) => {
      const full = [...args, "--stack", name, "--non-interactive"];
      if (args[0] !== "stack") full.push("--config-file", configFile);
      const started = performance.now();
      let watch;
      const child = execFile(
        PULUMI,
        full,
        {
          cwd: programDir,
          timeout: timeoutMs,
          maxBuffer: 256 * 1024 * 1024,
          env: {
            ...process.env,
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: "scale-bench-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
            ...env,
          },
        },
        (err, stdout, stderr) => {
          const ms = performance.now() - started;
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          const cpuByRole = watch?.stop();
          resolve({ code, ms, output: `${stdout}\n${stderr}`, cpu: cpuByRole, servers: watch?.servers() });
        },
      );
      if (cpu) watch = watchCpu(child.pid);
    });
  const ok = async (args, opts) => {
    const r = await run(args, opts);
    if (r.code !== 0)
      throw new Error(`pulumi ${args.join(" ")} (${programDir}) exited ${r.code}:\n${r.output}`);
    return r;
  };
  return {
    run,
    ok,
    /** Length of the serialized provider (`__provider`) of the last resource in the state. */
    providerChars() {
      const stacks = join(backend, ".pulumi", "stacks");
      for (const project of readdirSync(stacks)) {
        try {
          const state = JSON.parse(readFileSync(join(stacks, project, `${name}.json`), "utf8"));
          const last = state.checkpoint.latest.resources.at(-1);
          return String(last.outputs.__provider ?? "").length;
        } catch {}
      }
      return Number.NaN;
    },
    /** Size in bytes of the stack's checkpoint file. */
    stateBytes() {
      const stacks = join(backend, ".pulumi", "stacks");
      for (const project of readdirSync(stacks)) {
        try {
          return readFileSync(join(stacks, project, `${name}.json`)).length;
        } catch {}
      }
      return Number.NaN;
    },
    async init(config, secrets = {}) {
      await ok(["stack", "init"]);
      for (const [k, v] of Object.entries(config)) await ok(["config", "set", k, v]);
      for (const [k, v] of Object.entries(secrets)) await ok(["config", "set", "--secret", k, v]);
    },
    async dispose() {
      // Nothing is measured here: no checkpoint per step, however large the stack.
      await run(["destroy", "--yes", "--parallel", String(parallel)], {
        env: { PULUMI_SKIP_CHECKPOINTS: "true" },
      });
      await run(["stack", "rm", "--yes", "--force"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- one timed step --------------------------------------------------------------------------
/**
 * Runs `pulumi ARGS --parallel P` on `stack` (failing unless it exits 0), watching CPU, and
 * returns the step's record: wall seconds, the API calls seen by `proxy` during it (reads are
 * GETs, writes everything else, each also counted by kind), the engine's summary, CPU seconds
 * and provider server counts by role, and the load average when it started.
 */
export async function timedStep(label, stack, args, { proxy, parallel, env = {} }) {
  proxy.seen.length = 0;
  const load = loadavg()[0];
  const r = await stack.ok([...args, "--parallel", String(parallel)], { cpu: true, env });
  const calls = [...proxy.seen];
  const writes = calls.filter((c) => !c.startsWith("GET "));
  return {
    step: label,
    wall_s: sec(r.ms),
    calls: calls.length,
    reads: calls.length - writes.length,
    writes: writes.length,
    write_kinds: countKinds(writes),
    read_kinds: countKinds(calls.filter((c) => c.startsWith("GET "))),
    engine: summaryOf(r.output),
    cpu_s: r.cpu,
    servers: r.servers,
    load_1m: Math.round(load * 100) / 100,
  };
}

/** The count of each resource operation in the CLI's summary ("+ 200 created", "200 unchanged"). */
export function summaryOf(output) {
  const ops = {};
  for (const m of output.matchAll(
    /^\s*[+~\-±]*\s*(\d+) (created|updated|unchanged|deleted|replaced|to create|to update|to delete|to replace)\s*$/gm,
  ))
    ops[m[2]] = Number(m[1]);
  return ops;
}

/** "POST /v2/agent_aliases" x200, "PUT /v2/agent_aliases/:key/policy" x1, … */
export function countKinds(calls) {
  const kinds = {};
  for (const c of calls) {
    const k = c
      .replace(/\?.*$/, "")
      .replace(/^(\w+ \/v2\/agent_aliases\/)[^/]+/, "$1:key")
      .replace(/^(\w+ \/v2\/agents\/)[^/]+/, "$1:key");
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  return kinds;
}

/** Every alias the emulator holds, through `api` (an AgentAliasClient). */
export async function emulatorAliases(api) {
  const out = [];
  for await (const a of api.allAliases()) out.push(a);
  return out;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const sec = (ms) => Math.round(ms / 100) / 10;

/** Medians, by role, of CPU seconds over rounds. */
export function cpuMedians(runs) {
  const roles = new Set(runs.flatMap((r) => Object.keys(r.cpu_s ?? {})));
  const out = {};
  for (const role of roles) out[role] = median(runs.map((r) => r.cpu_s?.[role] ?? 0));
  const total = median(runs.map((r) => Object.values(r.cpu_s ?? {}).reduce((x, y) => x + y, 0)));
  return { ...out, total: Math.round(total * 100) / 100 };
}

// ---- the native bench program ----------------------------------------------------------------
/** The agents the bench programs route to (they must exist). */
export const BENCH_AGENTS = ["agent-a", "agent-b"];

/** The policy alias `i` declares: test/fixtures/programs/many-aliases' `policyOf` with no `changeIndex`. */
export function benchPolicyOf(i) {
  const share = 10 + (i % 8) * 10;
  return {
    type: "routed",
    rules: [
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.metadata.user_id', get('$.session.key'))",
          options: [
            { agent_key: BENCH_AGENTS[0], weight: 100 - share },
            { agent_key: BENCH_AGENTS[1], weight: share },
          ],
        },
      },
    ],
  };
}

/**
 * Pulumi.yaml of a program that declares many-aliases' resources through the native plugin:
 * `alias-<i>` with key `<prefix>-<i>`, name `Alias <i>`, metadata `{index: i}`, benchPolicyOf(i).
 */
export function nativeYamlProgram(count, prefix) {
  const resources = {};
  for (let i = 0; i < count; i++) {
    resources[`alias-${i}`] = {
      type: "agent-alias:index:Alias",
      properties: {
        key: `${prefix}-${i}`,
        name: `Alias ${i}`,
        metadata: { index: i },
        policy: benchPolicyOf(i),
      },
    };
  }
  return stringify({
    name: "native-many-aliases",
    runtime: "yaml",
    description: `Benchmark program (bench/): ${count} aliases through the native agent-alias provider, as test/fixtures/programs/many-aliases declares them.`,
    plugins: { providers: [{ name: "agent-alias", path: join(REPO, "bin") }] },
    resources,
    outputs: { aliasCount: count },
  });
}

/** The flags of the engine benchmarks: `--count` aliases, `--rounds`, `--parallel`, `--record`. */
export function benchFlags() {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "200" },
      rounds: { type: "string", default: "3" },
      parallel: { type: "string", default: "8" },
      record: { type: "boolean", default: false },
    },
  });
  return {
    values,
    COUNT: Number(values.count),
    ROUNDS: Number(values.rounds),
    PARALLEL: Number(values.parallel),
  };
}
