/**
 * Policy diff benchmark: `diffPolicies` over 1,000,000 synthetic partition keys must
 * take under 1 second. Cases: a two-option canary shift (95/5 -> 80/20), a three-option
 * change (50/30/20 -> 40/40/20) and an option added to 50/50 (-> 45/45/10). Each case runs
 * once to warm up, then ROUNDS times; min and median are reported. For comparison, the same
 * count done naively (two `compileSplit(...).pick(syntheticKey(k))` per key, building each key
 * string) is timed too. Prints a table and a JSON summary; `--record` rewrites the diff
 * section of BENCHMARKS.md (and only that section).
 *
 *   npm run bench:diff       # builds, then runs this file on Node 24 with --record
 */
import { cpus, loadavg } from "node:os";
import { type AliasDocument, compileSplit, diffPolicies, syntheticKey } from "../dist/policy/index.js";
import { recordSection } from "./record.ts";

const KEYS = 1_000_000;
const ROUNDS = 5;
const LIMIT_MS = 1000;

const doc = (options: [string, number][]): AliasDocument => ({
  key: "support",
  policy: {
    type: "routed",
    rules: [
      {
        match: "get('$.session.metadata.tenant') == 'eu'",
        targets: { type: "single", agent_key: "support-v2" },
      },
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.metadata.user_id', '')",
          options: options.map(([agent_key, weight]) => ({ agent_key, weight })),
        },
      },
    ],
  },
});

const CASES: { name: string; before: [string, number][]; after: [string, number][] }[] = [
  {
    name: "2 options: 95/5 -> 80/20",
    before: [
      ["support-v1", 95],
      ["support-v2", 5],
    ],
    after: [
      ["support-v1", 80],
      ["support-v2", 20],
    ],
  },
  {
    name: "3 options: 50/30/20 -> 40/40/20",
    before: [
      ["support-v1", 50],
      ["support-v2", 30],
      ["support-v3", 20],
    ],
    after: [
      ["support-v1", 40],
      ["support-v2", 40],
      ["support-v3", 20],
    ],
  },
  {
    name: "option added: 50/50 -> 45/45/10",
    before: [
      ["support-v1", 50],
      ["support-v2", 50],
    ],
    after: [
      ["support-v1", 45],
      ["support-v2", 45],
      ["support-v3", 10],
    ],
  },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** The naive count: key strings and two production picks per key. */
function naive(before: [string, number][], after: [string, number][]): number {
  const a = compileSplit(
    "support",
    before.map(([agent_key, weight]) => ({ agent_key, weight })),
  );
  const b = compileSplit(
    "support",
    after.map(([agent_key, weight]) => ({ agent_key, weight })),
  );
  let moved = 0;
  for (let k = 0; k < KEYS; k++) {
    const key = syntheticKey(k);
    if (before[a.pick(key)]![0] !== after[b.pick(key)]![0]) moved++;
  }
  return moved;
}

const loadBefore = loadavg()[0]!;
const rows: { case: string; min_ms: number; median_ms: number; naive_median_ms: number; moved: number }[] =
  [];
for (const c of CASES) {
  const before = doc(c.before);
  const after = doc(c.after);
  const report = diffPolicies(before, after, [], { keys: KEYS });
  const moved = report.splits[0]!.moved!;
  // The fast sweep and the naive count must agree exactly before either is timed.
  if (Math.round(moved * KEYS) !== naive(c.before, c.after)) throw new Error(`${c.name}: counts disagree`);
  const runs: number[] = [];
  const naiveRuns: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    runs.push(time(() => diffPolicies(before, after, [], { keys: KEYS })));
    naiveRuns.push(time(() => naive(c.before, c.after)));
  }
  rows.push({
    case: c.name,
    min_ms: r1(Math.min(...runs)),
    median_ms: r1(median(runs)),
    naive_median_ms: r1(median(naiveRuns)),
    moved: Math.round(moved * 1e4) / 1e4,
  });
}

const summary = {
  node: process.version,
  cpus: cpus().length,
  load_average_1m: r1(loadBefore),
  keys: KEYS,
  rounds: ROUNDS,
  cases: rows,
  targets: {
    [`diff over ${KEYS} keys < ${LIMIT_MS} ms (median)`]: rows.every((r) => r.median_ms < LIMIT_MS),
  },
};

console.log("case                                   min ms   median ms   naive median ms   moved");
for (const r of rows) {
  console.log(
    `${r.case.padEnd(38)} ${String(r.min_ms).padStart(6)}   ${String(r.median_ms).padStart(9)}   ${String(r.naive_median_ms).padStart(15)}   ${r.moved}`,
  );
}
console.log(JSON.stringify(summary, null, 2));

if (process.argv.includes("--record")) {
  recordSection("diff", [
    "## Policy diff",
    "",
    `Command: \`npm run bench:diff\` (\`diffPolicies\` over ${KEYS.toLocaleString("en-US")} synthetic keys per weighted rule, a two-rule policy; one warm-up run, then ${ROUNDS} rounds; ${summary.node}, ${summary.cpus} cores, load average (1 min) ${summary.load_average_1m} when the run started). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| case | min ms | median ms | naive count, median ms | share of keys moved |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.case} | ${r.min_ms} | ${r.median_ms} | ${r.naive_median_ms} | ${r.moved} |`),
    "",
    "The naive count builds each key string and calls `compileSplit(...).pick` twice per key; the diff hashes only each key's digits from a saved hash state, once per distinct agent (its results are checked equal to the naive count before timing). On a busy machine every figure grows; compare figures from one run only.",
    "",
    "Targets:",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
