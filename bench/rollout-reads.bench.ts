/**
 * What a rollout's checks cost the API as a stage's window grows (`npm run bench:rollout-reads`):
 * the real emulator on a socket with its clock driven by the bench, 100 sessions/s through the
 * alias (one input each) for a 10-minute hold at 50/50, checks every 10 s, the real client. Per
 * check, the HTTP calls of the cohort join (each agent's new traces and the alias's new
 * sessions) beside the per-agent trace listing alone (what the gates read before the join) and
 * a whole-window read of each agent (what a check would cost without incremental reads).
 * Counted calls, not time: the figures do not depend on the machine.
 *
 *   node bench/rollout-reads.bench.ts [--record]   (after npm run build)
 */
import { AgentAliasClient } from "../dist/client/index.js";
import { createEmulator } from "../dist/emulator/index.js";
import { canaryPlan } from "../dist/policy/index.js";
import { clientRolloutApi } from "../dist/rollout/api.js";
import { Interrupts } from "../dist/rollout/interrupts.js";
import { runRollout } from "../dist/rollout/runner.js";
import { recordSection } from "./record.ts";

const RATE = 100; // sessions a second through the alias
const HOLD = "10m";
const INTERVAL_MS = 10_000;
const T0 = Date.parse("2026-12-07T10:00:00Z");

let now = T0;
const emulator = await createEmulator({
  apiKey: "bench",
  clock: () => new Date(now),
  maxSessions: 0,
  maxTraces: 0,
  randomSeed: 1,
  agentProfiles: ["*=errors=0,latency=200ms"],
});
const running = await emulator.listen({ port: 0, host: "127.0.0.1" });
const client = new AgentAliasClient({ baseUrl: running.url, apiKey: "bench", env: {} });
for (const key of ["v1", "v2"]) await client.createAgent({ key, name: key });

const plan = canaryPlan({
  from: "v1",
  to: "v2",
  partitionBy: "get('$.session.metadata.user_id', get('$.session.key'))",
  current: "baseline",
  hold: HOLD,
  maxWait: "1m",
  gates: { minTraces: 100, errorRate: { maxIncreasePoints: 3 } },
  stages: [
    { name: "baseline", weights: [100, 0] },
    { name: "canary-50", weights: [50, 50] },
  ],
});
await client.createAlias({ key: "support", name: "Support", policy: plan.policies[0]! });
// The alias's past: HISTORY sessions an hour before the rollout (the emulator keeps 10,000 by default).
const HISTORY = 10_000;
for (let i = 0; i < HISTORY; i++) {
  now = T0 - 3_600_000 + i;
  await client.createSession(
    { aliasKey: "support" },
    { key: `old${i}`, metadata: { user_id: `user-${i % 5000}` } },
  );
}
now = T0;

const api = clientRolloutApi(client);

/** Traffic of the time since the last call: a session every 10 ms, one input each. */
let made = 0;
let madeUpTo = T0;
async function flow(): Promise<void> {
  for (; madeUpTo + 1000 / RATE <= now; madeUpTo += 1000 / RATE) {
    const clockNow = now;
    now = madeUpTo;
    const key = `s${made}`;
    const metadata = { user_id: `user-${made % 5000}` };
    made++;
    await client.createSession({ aliasKey: "support" }, { key, metadata });
    await client.createEvent({ aliasKey: "support" }, key, {
      type: "input_message",
      messages: [{ type: "text", content: "hi" }],
    });
    now = clockNow;
  }
}

const tags: Record<string, string> = {};
let served = "baseline";
const stack = {
  name: "bench",
  getStage: async () => served,
  setStage: async (s: string) => {
    served = s;
  },
  up: async ({ stage }: { stage: string }) => {
    await client.replacePolicy("support", plan.policies[plan.stages.findIndex((s) => s.name === stage)]!);
    const changed = stage !== served;
    served = stage;
    return { changes: changed ? 1 : 0 };
  },
  interrupt: () => false,
  stageSince: async () => undefined,
  updates: async () => [],
  apiConfig: async () => ({}),
  tags: async () => ({ ...tags }),
  setTag: async (k: string, v: string) => {
    tags[k] = v;
  },
  removeTag: async (k: string) => {
    delete tags[k];
  },
};

/** Per check: calls of the join, of the traces alone, and of a whole-window read of both agents. */
const perCheck: { minute: number; join: number; traces: number; whole: number }[] = [];
let began = 0;
let last = { total: 0, traces: 0 };
const started = performance.now();
const result = await runRollout({
  plan,
  aliasKey: "support",
  stack,
  api,
  intervalMs: INTERVAL_MS,
  interrupts: new Interrupts(),
  holder: { host: "bench", by: "bench@bench", pid: 1 },
  clock: () => now,
  sleep: async (ms: number) => {
    now += ms;
    await flow();
  },
  progress: (line: string) => {
    if (/^canary-50: up/.test(line)) began = now;
    if (!/^canary-50: (wait|pass|fail)/.test(line)) return;
    const total = api.calls!();
    const traces = api.callsBy!().traces;
    // A whole-window read: every trace of each agent since the stage began, 100 a page.
    const windowTraces = made - Math.round(((began - T0) * RATE) / 1000);
    const whole = 2 * Math.ceil(windowTraces / 2 / 100);
    perCheck.push({
      minute: Math.ceil((now - began) / 60_000),
      join: total - last.total,
      traces: traces - last.traces,
      whole,
    });
    last = { total, traces };
  },
});
await running.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const at = (minute: number) =>
  perCheck.filter((c) => c.minute === minute && c !== perCheck.at(-1) && c !== perCheck[0]);
const first = perCheck[0]!;
const rows = [1, 5, 10].map((m) => {
  const cs = at(m);
  return `| ${m} min | ${median(cs.map((c) => c.join))} | ${median(cs.map((c) => c.traces))} | ${median(cs.map((c) => c.whole))} |`;
});
const final = perCheck.at(-1)!;
const lines = [
  "## Rollout: API calls per check",
  "",
  `\`npm run bench:rollout-reads\`: the emulator on a socket with the bench's clock, ${RATE} sessions/s through the alias (one input each, ${made} in all), a ${HOLD} hold at 50/50, a check every ${INTERVAL_MS / 1000} s through the real client. HTTP calls per check (median of the checks in that minute of the window):`,
  "",
  "| window age | cohort join (traces + the alias's sessions) | per-agent trace listing alone | whole-window read of both agents |",
  "|---|---|---|---|",
  `| first check | ${first.join} | ${first.traces} | ${first.whole} |`,
  ...rows,
  "",
  `The alias had ${HISTORY} sessions before the rollout: the emulator lists sessions oldest first, so the first check reads that list through once (${Math.ceil(HISTORY / 100)} pages); an API that lists them newest first is read back to the stage's start only. Each read goes back 60 s for traces listed late, so a check costs about a minute of traffic however long the window: flat after the first minute. The join adds the alias's new sessions (${RATE * (INTERVAL_MS / 1000)} per check, 100 a page, plus the last page again). The decision (${result.status === "completed" ? "the pass" : result.status}) reads the whole window once: ${final.join} calls. ${result.stages.at(-1)!.checks.length} checks; outcome ${result.status}. Counted calls: the same on any machine (run time here ${Math.round((performance.now() - started) / 1000)} s).`,
];
console.log(lines.join("\n"));
if (process.argv.includes("--record")) recordSection("rollout-reads", lines);
