#!/usr/bin/env node
// A guarded rollout rehearsed on the emulator (`npm run demo:rollout`), with no account:
//  1. builds the Pulumi CLI if it is not cached yet (scripts/setup-pulumi.sh),
//  2. starts the API emulator with agent profiles: support-v1 and support-v2 fail 1% of their
//     inputs, support-v3 fails 12%; creates the three agents,
//  3. `pulumi up` of the program test/fixtures/programs/rollout-stage (one alias whose stage
//     table is a policy file's canary: block, at the stage of config canaryStage) at baseline,
//  4. `agent-alias rollout` of support-v2 over support-v1, with traffic through the alias
//     during the holds: every stage passes, the stack ends at complete,
//  5. `agent-alias rollout` of support-v3 over support-v2 (the program now reads its table): it
//     starts where the alias is, everything on support-v2, the new table's baseline; the
//     error-rate gate fails at the first canary stage, it reverts to baseline and exits 1,
//  6. destroys the stack and stops the emulator.
// Prints both verdicts; exits 0 when the healthy canary completed and the bad one was aborted
// and reverted, 1 otherwise. Options: --hold 3s (each stage's hold), --rate 120 (sessions a
// second), --keep (leave the stack), --record (write the figures to BENCHMARKS.md).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AgentAliasClient } from "../dist/client/index.js";
import { runTraffic, startEmulator } from "../dist/emulator/index.js";

const { values } = parseArgs({
  options: {
    hold: { type: "string", default: "3s" },
    rate: { type: "string", default: "120" },
    keep: { type: "boolean", default: false },
    record: { type: "boolean", default: false },
  },
});
const RATE = Number(values.rate);
if (!Number.isFinite(RATE) || RATE <= 0)
  throw new Error(`--rate must be a number above 0, got ${values.rate}`);

const repo = fileURLToPath(new URL("..", import.meta.url));
const program = join(repo, "test/fixtures/programs/rollout-stage");
const work = mkdtempSync(join(tmpdir(), "agent-alias-demo-rollout-"));
mkdirSync(join(work, "state"));
const configFile = join(work, "Pulumi.rehearsal.yaml");
const apiKey = "demo-key";
const env = {
  ...process.env,
  PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
  PULUMI_CONFIG_PASSPHRASE: "demo-passphrase",
  PULUMI_SKIP_UPDATE_CHECK: "true",
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  NO_COLOR: "1",
};
const step = (n, text) => console.log(`\n[${n}/6] ${text}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** The policy file of a rollout of `to` over `from`: the stage table the program and the rollout share. */
const policy = (from, to) => `key: support
name: Customer Support
canary:
  from: ${from}
  to: ${to}
  partition_by: "get('$.session.metadata.user_id', get('$.session.key'))"
  current: canary-20
  hold: ${values.hold}
  max_wait: 20s
  gates:
    min_traces: 150
    error_rate: { max_increase_points: 3, max: 5 }
    p95_duration: { max_ratio: 1.5 }
  stages:
    - { name: baseline, weights: [100, 0] }
    - { name: canary-20, weights: [80, 20] }
    - { name: canary-50, weights: [50, 50] }
    - { name: complete, weights: [0, 100], gates: { p95_duration: { max: 2s } } }
`;

function run(command, args, { quiet = true, cwd = program, live = false } = {}) {
  return new Promise((resolve, reject) => {
    // `live`: on a terminal the command writes to it, so its live view (a panel redrawn under
    // the progress lines) shows as a user sees it.
    const direct = live && process.stderr.isTTY;
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", direct ? "inherit" : "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => {
      err += d;
      if (!quiet) for (const line of String(d).split("\n")) if (line.trim()) console.log(`    ${line}`);
    });
    child.on("exit", (code) => resolve({ code, out, err }));
    child.on("error", reject);
  });
}

async function pulumi(args) {
  const full = [...args, "--stack", "rehearsal", "--non-interactive"];
  if (args[0] !== "stack") full.push("--config-file", configFile);
  const r = await run(join(repo, "scripts/pulumi.sh"), full);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.code}):\n${r.out}${r.err}`);
}

/** `agent-alias rollout --json` as a user runs it, with traffic through the alias meanwhile. */
async function rollout(policyFile, keyPrefix) {
  const controller = new AbortController();
  const traffic = runTraffic({
    url: emulator.url,
    apiKey,
    alias: "support",
    rate: RATE,
    durationMs: 10 * 60_000,
    users: 1000,
    seed: 16,
    // Fixed session keys: the profiles' draws are per session, so a run sees the same traces.
    keyPrefix,
    traces: false,
    signal: controller.signal,
  });
  const started = Date.now();
  const r = await run(
    process.execPath,
    [
      join(repo, "bin/agent-alias.js"),
      "rollout",
      "--stack",
      "rehearsal",
      "--cwd",
      program,
      "--config-file",
      configFile,
      "--policy",
      policyFile,
      "--interval",
      "1s",
      "--json",
    ],
    { quiet: false, cwd: repo, live: true },
  ).finally(() => controller.abort());
  const sessions = (await traffic).sessions;
  const wallMs = Date.now() - started;
  let result;
  try {
    result = JSON.parse(r.out);
  } catch {
    throw new Error(`agent-alias rollout exited ${r.code} without a report:\n${r.err}`);
  }
  return { code: r.code, result, wallMs, sessions };
}

/** One line per stage: its window, traces per agent, the verdict. */
function timeline(run) {
  const lines = [];
  for (const s of run.result.stages) {
    const last = s.checks.at(-1);
    const window = s.window.end ? Date.parse(s.window.end) - Date.parse(s.window.start) : 0;
    const figures = last?.canary
      ? `${last.canary.traces} traces on ${last.canary.agent_key} (${fmtRate(last.canary.error_rate)} errors, p95 ${last.canary.p95_ms ?? "n/a"} ms), ${last.baseline?.traces ?? 0} on ${last.baseline?.agent_key} (${fmtRate(last.baseline?.error_rate)}, p95 ${last.baseline?.p95_ms ?? "n/a"} ms)`
      : "not judged";
    lines.push({
      stage: `${s.name} ${s.weights[0]}/${s.weights[1]}`,
      window: seconds(window),
      checks: s.checks.length,
      figures,
      outcome: s.outcome,
    });
  }
  return lines;
}
const fmtRate = (v) => (v === null || v === undefined ? "n/a" : `${v.toFixed(1)}%`);

let emulator;
let exitCode = 0;
let stackMade = false;
const began = Date.now();
try {
  step(1, "Pulumi CLI (built once from its Go modules, then cached)");
  execFileSync("bash", [join(repo, "scripts/setup-pulumi.sh")], { stdio: "inherit" });

  step(2, "API emulator with agent profiles, and the agents");
  const profiles = [
    "support-v1=errors=0.01,latency=100ms..300ms",
    "support-v2=errors=0.01,latency=100ms..320ms",
    "support-v3=errors=0.12,latency=100ms..300ms",
  ];
  emulator = await startEmulator({ port: 0, apiKey, agentProfiles: profiles, randomSeed: 16 });
  console.log(`    emulator at ${emulator.url}`);
  for (const p of profiles) console.log(`    profile ${p}`);
  const api = new AgentAliasClient({ baseUrl: emulator.url, apiKey, env: {} });
  for (const key of ["support-v1", "support-v2", "support-v3"]) await api.createAgent({ key, name: key });

  step(3, "pulumi up: alias `support` at stage baseline (all support-v1)");
  const healthyPolicy = join(work, "support-v2.yaml");
  const badPolicy = join(work, "support-v3.yaml");
  writeFileSync(healthyPolicy, policy("support-v1", "support-v2"));
  writeFileSync(badPolicy, policy("support-v2", "support-v3"));
  await pulumi(["stack", "init"]);
  stackMade = true;
  await pulumi(["config", "set", "agent-alias:apiUrl", emulator.url]);
  await pulumi(["config", "set", "--secret", "agent-alias:apiKey", apiKey]);
  await pulumi(["config", "set", "policyFile", healthyPolicy]);
  await pulumi(["config", "set", "canaryStage", "baseline"]);
  await pulumi(["up", "--yes"]);

  step(
    4,
    `agent-alias rollout: support-v2 over support-v1 (hold ${values.hold} a stage, ${RATE} sessions/s)`,
  );
  const healthy = await rollout(healthyPolicy, "demo-v2-");
  console.log(`    verdict (exit ${healthy.code}): ${healthy.result.message}`);

  step(5, "agent-alias rollout: support-v3 (12% errors) over support-v2");
  // The program reads the new table; the rollout starts where the alias is (everything on
  // support-v2: the new table's baseline), whatever the stack config says (complete).
  await pulumi(["config", "set", "policyFile", badPolicy]);
  const bad = await rollout(badPolicy, "demo-v3-");
  console.log(`    verdict (exit ${bad.code}): ${bad.result.message}`);
  const finalStage = /canaryStage: (\S+)/.exec(readFileSync(configFile, "utf8"))?.[1];

  const problems = [];
  if (healthy.code !== 0 || healthy.result.status !== "completed")
    problems.push(`the healthy canary did not complete (${healthy.result.status})`);
  if (bad.code !== 1 || bad.result.status !== "aborted" || bad.result.reverted_to !== "baseline")
    problems.push(`the bad canary was not aborted and reverted (${bad.result.status})`);
  if (!/^error rate of support-v3/.test(bad.result.message))
    problems.push("the bad canary was not stopped by the error-rate gate");
  if (finalStage !== "baseline") problems.push(`the stack config ends at ${finalStage}, not baseline`);

  if (!values.keep) {
    step(6, "pulumi destroy, stop the emulator");
    await pulumi(["destroy", "--yes"]);
    await pulumi(["stack", "rm", "--yes"]);
    stackMade = false;
  }
  const wallMs = Date.now() - began;

  console.log("\nRehearsal:");
  for (const [label, r] of [
    ["support-v2 (healthy)", healthy],
    ["support-v3 (12% errors)", bad],
  ]) {
    console.log(
      `  ${label}: ${r.result.status}, exit ${r.code}, ${seconds(r.wallMs)}, ${r.sessions} sessions`,
    );
    for (const t of timeline(r))
      console.log(`    ${t.stage.padEnd(16)} ${t.window.padStart(7)}  ${t.outcome.padEnd(8)} ${t.figures}`);
  }
  console.log(`  wall time of the whole demo: ${seconds(wallMs)}`);

  if (values.record) {
    const { recordSection } = await import("../bench/record.ts");
    const rows = [];
    for (const [label, r] of [
      ["support-v2 over support-v1 (healthy)", healthy],
      ["support-v3 over support-v2 (12% errors)", bad],
    ])
      for (const t of timeline(r))
        rows.push(`| ${label} | ${t.stage} | ${t.window} | ${t.checks} | ${t.figures} | ${t.outcome} |`);
    recordSection("rollout", [
      "## Rollout rehearsal",
      "",
      `\`npm run demo:rollout -- --record\` (scripts/demo-rollout.mjs): the emulator with agent profiles (${profiles.join("; ")}), ` +
        `traffic at ${RATE} sessions/s from 1000 users, holds of ${values.hold}, checks every 1 s, min_traces 150, ` +
        "error rate at most +3 pt and 5%, p95 at most 1.5x; each stage is a real `pulumi up` through the Automation API. " +
        `Recorded ${new Date().toISOString().slice(0, 10)} on ${process.platform}/${process.arch}, Node ${process.version}.`,
      "",
      "| rollout | stage | window | checks | last check | outcome |",
      "| --- | --- | ---: | ---: | --- | --- |",
      ...rows,
      "",
      `- healthy: ${healthy.result.status} (exit ${healthy.code}) in ${seconds(healthy.wallMs)}: ${healthy.result.message}`,
      `- bad: ${bad.result.status} (exit ${bad.code}) in ${seconds(bad.wallMs)}: ${bad.result.message}`,
      `- wall time of the whole demo (CLI check, emulator, stack init and up, both rollouts, destroy; the npm script's TypeScript build before it is not counted): ${seconds(wallMs)}`,
    ]);
    console.log("  recorded in BENCHMARKS.md (## Rollout rehearsal)");
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  console.log(
    "\nDemo complete: the healthy canary went through every stage; the bad one was aborted and reverted.",
  );
} catch (e) {
  console.error(`\ndemo failed: ${e instanceof Error ? e.message : e}`);
  exitCode = 1;
  if (stackMade && !values.keep) await pulumi(["destroy", "--yes"]).catch(() => {});
} finally {
  await emulator?.close();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`state kept in ${work}`);
}
process.exitCode = exitCode;
