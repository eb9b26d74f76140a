/**
 * Resolver benchmark (issue 2): our resolver against flagd-core (json-logic `if`/`==` and
 * `fractional`) and cel-js evaluating the same expressions, in the same process and run.
 * 256 rotating contexts keep V8 from constant-folding. Prints mitata's table, then a JSON
 * summary; `--record` also rewrites the resolver section of BENCHMARKS.md.
 *
 *   npm run bench            # builds, then runs this file on Node 24
 */
import { PerformanceObserver } from "node:perf_hooks";
import { parse as celParse } from "@marcbachmann/cel-js";
import { FlagdCore } from "@openfeature/flagd-core";
import { bench, do_not_optimize, run } from "mitata";
import { compilePolicy, compileSplit, newSlot } from "../dist/policy/index.js";
import { recordSection } from "./record.ts";

const N = 256;
const TENANTS = ["us", "eu", "apac", "us", "latam", "us", "eu", "us"];
const TIERS = ["free", "gold", "free", "silver", "free", "free", "gold", "free"];
const contexts = Array.from({ length: N }, (_, i) => ({
  agent: { key: "support", name: "Support", description: "", metadata: {} },
  session: {
    key: `ase_${i}`,
    name: "s",
    description: "",
    metadata: {
      tenant: TENANTS[i % 8]!,
      tier: TIERS[(i >> 3) % 8]!,
      user_id: `user-${(i * 7919) % 100_003}`,
    },
  },
  currentDate: "2026-01-15T10:35:00Z",
}));
const partitions = contexts.map((c) => c.session.metadata.user_id);
const flat = contexts.map((c) => ({ targetingKey: c.session.key, ...c.session.metadata }));

const TENANT_MATCH = "get('$.session.metadata.tenant') == 'eu'";
const tenantPolicy = compilePolicy({
  key: "support",
  policy: {
    type: "routed",
    rules: [
      { match: TENANT_MATCH, targets: { type: "single", agent_key: "support-v2" } },
      {
        match: "get('$.session.metadata.tier', 'free') == 'gold'",
        targets: { type: "single", agent_key: "support-v1" },
      },
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.metadata.user_id', '')",
          options: [
            { agent_key: "support-v1", weight: 90 },
            { agent_key: "support-v2", weight: 10 },
          ],
        },
      },
    ],
  },
});
const oneRule = compilePolicy({
  key: "support",
  policy: {
    type: "routed",
    rules: [
      { match: TENANT_MATCH, targets: { type: "single", agent_key: "support-v2" } },
      { targets: { type: "single", agent_key: "support-v1" } },
    ],
  },
});
const twentyRules = compilePolicy({
  key: "support",
  policy: {
    type: "routed",
    rules: [
      ...Array.from({ length: 19 }, (_, i) => ({
        match: `get('$.session.metadata.tenant') == 'tenant-${i}'`,
        targets: { type: "single", agent_key: `agent-${i}` },
      })),
      { targets: { type: "single", agent_key: "fallback" } },
    ],
  },
});
const split = compileSplit("support", [
  { agent_key: "support-v1", weight: 90 },
  { agent_key: "support-v2", weight: 10 },
]);

const flagd = new FlagdCore();
flagd.setConfigurations(
  JSON.stringify({
    flags: {
      support: {
        state: "ENABLED",
        defaultVariant: "v1",
        variants: { v1: "support-v1", v2: "support-v2" },
        targeting: {
          if: [
            { "==": [{ var: "tenant" }, "eu"] },
            "v2",
            { "==": [{ var: "tier" }, "gold"] },
            "v1",
            { fractional: [{ var: "user_id" }, ["v1", 90], ["v2", 10]] },
          ],
        },
      },
      "support-match": {
        state: "ENABLED",
        defaultVariant: "v1",
        variants: { v1: "support-v1", v2: "support-v2" },
        targeting: { if: [{ "==": [{ var: "tenant" }, "eu"] }, "v2", "v1"] },
      },
    },
  }),
);
const celMatch = celParse("session.metadata.tenant == 'eu'");

// Sanity: the peers answer the same questions as ours before we time them.
for (let i = 0; i < N; i++) {
  const ours = oneRule.resolve(contexts[i]).agent_key;
  if (flagd.resolveStringEvaluation("support-match", "x", flat[i]).value !== ours)
    throw new Error("flagd disagrees");
  if ((celMatch(contexts[i]) === true) !== (ours === "support-v2")) throw new Error("cel-js disagrees");
}

let i = 0;
const slot = newSlot();
bench("ours: one match rule", () => do_not_optimize(oneRule.resolve(contexts[i++ & 255])));
bench("cel-js: same match expression", () => do_not_optimize(celMatch(contexts[i++ & 255])));
bench("flagd-core: one if/== flag", () =>
  do_not_optimize(flagd.resolveStringEvaluation("support-match", "x", flat[i++ & 255])),
);
bench("ours: tenant policy (3 rules, 90/10 hash)", () =>
  do_not_optimize(tenantPolicy.resolve(contexts[i++ & 255])),
);
bench("ours: tenant policy, resolveInto", () =>
  do_not_optimize(tenantPolicy.resolveInto(contexts[i++ & 255], slot)),
);
bench("flagd-core: tenant flag (if/== + fractional)", () =>
  do_not_optimize(flagd.resolveStringEvaluation("support", "x", flat[i++ & 255])),
);
bench("ours: 20 rules, falls to the last", () => do_not_optimize(twentyRules.resolve(contexts[i++ & 255])));
bench("ours: weighted pick alone", () => do_not_optimize(split.pick(partitions[i++ & 255]!)));

const result = await run();

/** Bytes allocated per call in the steady state, measured over a loop during which no GC ran. */
function bytesPerCall(fn: (k: number) => unknown): number | null {
  for (let k = 0; k < 200_000; k++) fn(k);
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  obs.observe({ entryTypes: ["gc"] });
  const calls = 100_000;
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < calls; k++) fn(k);
  const after = process.memoryUsage().heapUsed;
  obs.disconnect();
  return gcs > 0 ? null : Math.max(0, (after - before) / calls);
}

const avg = (name: string) => {
  for (const t of result.benchmarks) {
    if (t.alias === name) return t.runs[0]!.stats!.avg;
  }
  throw new Error(`no benchmark ${name}`);
};
const r = (x: number) => Math.round(x * 10) / 10;
const summary = {
  node: process.version,
  ns_per_op: Object.fromEntries(result.benchmarks.map((t) => [t.alias, r(t.runs[0]!.stats!.avg)])),
  ratios: {
    one_match_rule_vs_cel_js: r(avg("cel-js: same match expression") / avg("ours: one match rule")),
    one_match_rule_vs_flagd_core: r(avg("flagd-core: one if/== flag") / avg("ours: one match rule")),
    tenant_policy_vs_flagd_core: r(
      avg("flagd-core: tenant flag (if/== + fractional)") / avg("ours: tenant policy (3 rules, 90/10 hash)"),
    ),
  },
  bytes_per_call: {
    "one match rule (resolve)": bytesPerCall((k) => oneRule.resolve(contexts[k & 255])),
    "tenant policy (resolve)": bytesPerCall((k) => tenantPolicy.resolve(contexts[k & 255])),
    "tenant policy (resolveInto)": bytesPerCall((k) => tenantPolicy.resolveInto(contexts[k & 255], slot)),
    "20 rules (resolve)": bytesPerCall((k) => twentyRules.resolve(contexts[k & 255])),
    "weighted pick": bytesPerCall((k) => split.pick(partitions[k & 255]!)),
  },
  targets: {
    "one match rule <= 60 ns": avg("ours: one match rule") <= 60,
    "tenant policy <= 180 ns": avg("ours: tenant policy (3 rules, 90/10 hash)") <= 180,
    ">= 10x flagd-core (tenant policy)":
      avg("flagd-core: tenant flag (if/== + fractional)") /
        avg("ours: tenant policy (3 rules, 90/10 hash)") >=
      10,
    ">= 3x cel-js (match expression)":
      avg("cel-js: same match expression") / avg("ours: one match rule") >= 3,
  },
};
console.log(JSON.stringify(summary, null, 2));

if (process.argv.includes("--record")) {
  const rows = Object.entries(summary.ns_per_op).map(([k, v]) => `| ${k} | ${v} |`);
  recordSection("resolver", [
    "## Resolver",
    "",
    `Command: \`npm run bench\` (mitata, ${summary.node}, 2 cores; 256 rotating contexts). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| case | ns/op (avg) |",
    "|---|---|",
    ...rows,
    "",
    "Ratios in the same run (peer time / our time):",
    "",
    ...Object.entries(summary.ratios).map(([k, v]) => `- ${k}: ${v}x`),
    "",
    "Bytes allocated per call in the steady state (heap growth over 100,000 calls with no GC in between; `null` means a GC ran and the figure was discarded):",
    "",
    ...Object.entries(summary.bytes_per_call).map(([k, v]) => `- ${k}: ${v === null ? "null" : r(v)}`),
    "",
    "Targets (issue 2):",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
