#!/usr/bin/env node
// The main job (`npm run demo`): a canary rollout end to end, with no account.
//  1. builds the Pulumi CLI if it is not cached yet (scripts/setup-pulumi.sh),
//  2. starts the API emulator and creates the agents support-v1 and support-v2,
//  3. `pulumi up` of examples/quickstart at stage canary-5, with a local file backend,
//  4. creates a few thousand sessions through the alias and prints each agent's share,
//  5. moves the canary to canary-20 with a second `pulumi up`,
//  6. creates a session for the same users again: prints the new shares and who moved where,
//  7. destroys the stack and stops the emulator.
// Exits non-zero on any failure. Options: --users N (default 3000), --keep (leave the stack).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AgentAliasClient } from "../dist/client/index.js";
import { startEmulator } from "../dist/emulator/index.js";

const { values } = parseArgs({
  options: { users: { type: "string", default: "3000" }, keep: { type: "boolean", default: false } },
});
const USERS = Number(values.users);
if (!Number.isInteger(USERS) || USERS < 1)
  throw new Error(`--users must be a whole number above 0, got ${values.users}`);

const repo = fileURLToPath(new URL("..", import.meta.url));
const program = join(repo, "examples/quickstart");
const work = mkdtempSync(join(tmpdir(), "agent-alias-demo-"));
mkdirSync(join(work, "state"));
const apiKey = "demo-key";
const step = (n, text) => console.log(`\n[${n}/7] ${text}`);
const pct = (n, total) => `${((100 * n) / total).toFixed(1)}%`;

function pulumi(args, { quiet = false } = {}) {
  const full = [...args, "--stack", "demo", "--non-interactive"];
  if (args[0] !== "stack") full.push("--config-file", join(work, "Pulumi.demo.yaml"));
  return new Promise((resolve, reject) => {
    const child = spawn(join(repo, "scripts/pulumi.sh"), full, {
      cwd: program,
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "demo-passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const shown = new Set();
    const show = (d) => {
      out += d;
      if (!quiet) {
        for (const raw of String(d).split("\n")) {
          // Pulumi's progress display repeats a resource line as it changes: show each once,
          // without the sample lines appended to it (they are printed on their own too).
          const line = raw
            .replace(/\s*\(\d+(\.\d+)?s\)/, "")
            .replace(/;? sample '.*$/, "")
            .trimEnd();
          if (shown.has(line.trim())) continue;
          shown.add(line.trim());
          if (
            /^\s*[+~-] |sample '|Resources:|^\s+[+~-]?\s*\d+ (created|updated|deleted|unchanged|to )|Duration|error/i.test(
              line,
            )
          ) {
            process.stdout.write(`    ${line.trim()}\n`);
          }
        }
      }
    };
    child.stdout.on("data", show);
    child.stderr.on("data", show);
    child.on("exit", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`pulumi ${args.join(" ")} failed (exit ${code}):\n${out}`)),
    );
  });
}

async function shares(api, label) {
  const agents = new Map();
  const counts = {};
  for (let i = 0; i < USERS; i += 50) {
    const batch = [];
    for (let u = i; u < Math.min(i + 50, USERS); u++) {
      batch.push(
        api
          .createSession({ aliasKey: "support" }, { metadata: { user_id: `user-${u}` } })
          .then((s) => agents.set(u, s.agent_key)),
      );
    }
    await Promise.all(batch);
  }
  for (const a of agents.values()) counts[a] = (counts[a] ?? 0) + 1;
  console.log(`    ${USERS} sessions ${label}:`);
  for (const [agent, n] of Object.entries(counts).sort())
    console.log(`      ${agent.padEnd(12)} ${String(n).padStart(6)}  ${pct(n, USERS)}`);
  return agents;
}

let emulator;
let exitCode = 0;
let stackMade = false;
try {
  step(1, "Pulumi CLI (built once from its Go modules, then cached)");
  execFileSync("bash", [join(repo, "scripts/setup-pulumi.sh")], { stdio: "inherit" });

  step(2, "API emulator and agents");
  emulator = await startEmulator({ port: 0, apiKey });
  console.log(`    emulator at ${emulator.url}`);
  const api = new AgentAliasClient({ baseUrl: emulator.url, apiKey, env: {} });
  for (const key of ["support-v1", "support-v2"])
    await api.createAgent({ key, name: `Support ${key.slice(-2)}` });
  console.log("    agents support-v1, support-v2");

  step(3, "pulumi up: alias `support` at canary stage canary-5 (95/5, sticky per user_id)");
  await pulumi(["stack", "init"], { quiet: true });
  stackMade = true;
  await pulumi(["config", "set", "agent-alias:apiUrl", emulator.url], { quiet: true });
  await pulumi(["config", "set", "--secret", "agent-alias:apiKey", apiKey], { quiet: true });
  await pulumi(["config", "set", "canaryStage", "canary-5"], { quiet: true });
  await pulumi(["up", "--yes"]);

  step(4, "sessions through the alias");
  const before = await shares(api, "at canary-5");

  step(5, "pulumi up: move the canary to canary-20 (80/20) - a one-line config change");
  await pulumi(["config", "set", "canaryStage", "canary-20"], { quiet: true });
  await pulumi(["up", "--yes"]);

  step(6, "the same users start new sessions");
  const after = await shares(api, "at canary-20");
  const moves = {};
  for (const [u, from] of before) {
    const to = after.get(u);
    if (to !== from) moves[`${from} -> ${to}`] = (moves[`${from} -> ${to}`] ?? 0) + 1;
  }
  const moved = Object.values(moves).reduce((a, b) => a + b, 0);
  console.log(`    users who moved: ${moved} of ${USERS} (${pct(moved, USERS)}; 15% expected)`);
  for (const [k, n] of Object.entries(moves)) console.log(`      ${k}: ${n}`);
  if (moves["support-v2 -> support-v1"])
    throw new Error("users moved back from support-v2 to support-v1: the split is not sticky");
  const stats = await (
    await fetch(`${emulator.url}/_emulator/stats`, { headers: { "x-api-key": apiKey } })
  ).json();
  console.log(`    emulator stats for support: ${JSON.stringify(stats.aliases.support?.agents ?? {})}`);

  if (!values.keep) {
    step(7, "pulumi destroy, stop the emulator");
    await pulumi(["destroy", "--yes"]);
    await pulumi(["stack", "rm", "--yes"], { quiet: true });
    stackMade = false;
  }
  console.log("\nDemo complete.");
} catch (e) {
  console.error(`\ndemo failed: ${e instanceof Error ? e.message : e}`);
  exitCode = 1;
  if (stackMade) await pulumi(["destroy", "--yes"], { quiet: true }).catch(() => {});
} finally {
  await emulator?.close();
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`state kept in ${work}`);
}
process.exitCode = exitCode;
