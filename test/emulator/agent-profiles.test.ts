/**
 * Agent profiles (profiles/): the compact spec and the seed file's form, their errors
 * naming the setting, which profile wins, and what the traces show of them over the real
 * emulator: the same seed gives the same traces (however requests interleave), the error
 * share and types and the latency percentiles match the profile within sampling tolerance.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_AGENT_PROFILE,
  EMULATOR_USAGE,
  formatProfile,
  PROFILE_SETTINGS,
  parseAgentProfileFlag,
  parseProfileSpec,
  runTraffic,
} from "../../src/emulator/index.js";
import { AgentBehaviour, applyProfile, readProfile } from "../../src/emulator/profiles/index.js";
import {
  emulatorCommandOutcome,
  type Json,
  startTestEmulator,
  type TestEmulator,
} from "../helpers/emulator.js";

const single = (agent_key: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key } }],
});
const split = (a: string, b: string, wa: number) => ({
  type: "routed",
  rules: [
    {
      targets: {
        type: "weighted",
        partition_by: "get('$.session.metadata.user_id')",
        options: [
          { agent_key: a, weight: wa },
          { agent_key: b, weight: 100 - wa },
        ],
      },
    },
  ],
});
const input = (content: string) => ({ type: "input_message", messages: [{ type: "text", content }] });

async function allTraces(e: TestEmulator, query = ""): Promise<Json[]> {
  const out: Json[] = [];
  let pageKey: string | undefined;
  do {
    const q = new URLSearchParams(query);
    q.set("limit", "100");
    if (pageKey) q.set("page_key", pageKey);
    const r = await e.call("GET", `/v2/agent_analytics/traces?${q}`);
    expect(r.status).toBe(200);
    out.push(...r.body.traces);
    pageKey = r.body.metadata.page_key;
  } while (pageKey);
  return out;
}

function nearestRank(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

describe("the compact spec", () => {
  it("reads the documented example", () => {
    expect(
      parseProfileSpec(
        "errors=0.08,error_types=llm_generation_error:3/stream_error,latency=120ms..400ms,tokens=300",
      ),
    ).toEqual({
      errors: 0.08,
      error_types: [
        { type: "llm_generation_error", weight: 3 },
        { type: "stream_error", weight: 1 },
      ],
      latency: { distribution: "lognormal", p50_ms: 120, p95_ms: 400 },
      tokens: { min: 150, max: 450 },
    });
  });

  it("reads each form of each setting", () => {
    expect(parseProfileSpec("errors=8%").errors).toBe(0.08);
    expect(parseProfileSpec("errors=1").errors).toBe(1);
    expect(parseProfileSpec("latency=normal:1.5s..2s").latency).toEqual({
      distribution: "normal",
      p50_ms: 1500,
      p95_ms: 2000,
    });
    expect(parseProfileSpec("latency=250").latency).toEqual({
      distribution: "lognormal",
      p50_ms: 250,
      p95_ms: 250,
    });
    expect(parseProfileSpec("tokens=10..20,input_tokens=500")).toEqual({
      tokens: { min: 10, max: 20 },
      input_tokens: 500,
    });
    expect(parseProfileSpec(" errors = 0.5 , ")).toEqual({ errors: 0.5 });
    expect(parseProfileSpec("")).toEqual({});
  });

  it("writes back what it reads", () => {
    for (const spec of [
      "",
      "errors=0.25,error_types=internal:2/stream_error,latency=normal:10ms..90ms,tokens=0",
    ]) {
      const p = applyProfile(DEFAULT_AGENT_PROFILE, parseProfileSpec(spec));
      expect(applyProfile(DEFAULT_AGENT_PROFILE, parseProfileSpec(formatProfile(p)))).toEqual(p);
    }
    expect(formatProfile(DEFAULT_AGENT_PROFILE)).toBe(
      "errors=0,error_types=llm_generation_error,latency=lognormal:100ms..300ms,tokens=100..300,input_tokens=0",
    );
  });

  it.each([
    ["errors=1.5", "support-v2: errors: must be a share from 0 to 1, e.g. 0.08 or 8%; got '1.5'"],
    ["errors", "support-v2: errors: needs a value (errors=…)"],
    ["errors=0.1,errors=0.2", "support-v2: errors: given twice"],
    [
      "error_types=timeout",
      "support-v2: error_types: unknown error type 'timeout' (known: context_limit_exceeded, step_transition_limit_exceeded, actions_limit_reached, llm_generation_error, stream_error, internal)",
    ],
    [
      "error_types=internal:0",
      "support-v2: error_types: the weight of internal must be a number above 0; got '0'",
    ],
    ["latency=400ms..120ms", "support-v2: latency: p95 (120 ms) must be at least p50 (400 ms)"],
    [
      "latency=fast",
      "support-v2: latency: must be [lognormal:|normal:]P50..P95 or a single duration, e.g. 120ms..400ms; got 'fast'",
    ],
    ["latency=gamma:1ms", "support-v2: latency: distribution must be lognormal or normal; got 'gamma'"],
    ["latency=0..10ms", "support-v2: latency: a lognormal latency needs a p50 above 0 ms (or use normal:)"],
    ["tokens=50..10", "support-v2: tokens: max (10) must be at least min (50)"],
    [
      "colour=red",
      "support-v2: colour: unknown setting 'colour' (known: errors, error_types, latency, tokens, input_tokens)",
    ],
  ])("%s is refused, naming the setting", (spec, message) => {
    expect(() => parseProfileSpec(spec, "support-v2")).toThrow(message);
    try {
      parseProfileSpec(spec, "support-v2");
    } catch (e) {
      expect(e).toMatchObject({ code: "invalid_profile", issues: [{ message }] });
    }
  });

  it("--help and the emulator page's rehearsal bench section name every setting", () => {
    const page = readFileSync(new URL("../../docs/emulator.md", import.meta.url), "utf8");
    const at = page.indexOf("## A rehearsal bench");
    expect(at).toBeGreaterThan(-1);
    const end = page.indexOf("\n## ", at + 1);
    const section = page.slice(at, end === -1 ? page.length : end);
    for (const name of Object.keys(PROFILE_SETTINGS)) {
      expect(EMULATOR_USAGE).toContain(`  ${name}=`);
      expect(section).toContain(`\`${name}\``);
    }
  });

  it("--agent-profile takes KEY[SELECTOR]=SPEC, KEY an agent key or '*'", () => {
    expect(parseAgentProfileFlag("support-v2=errors=0.08")).toEqual({
      key: "support-v2",
      profile: { errors: 0.08 },
    });
    expect(parseAgentProfileFlag("*=latency=5ms")).toMatchObject({ key: "*" });
    expect(parseAgentProfileFlag("support-v2[tenant=eu]=errors=0.2")).toEqual({
      key: "support-v2",
      profile: { errors: 0.2 },
      when: { tenant: "eu" },
    });
    expect(parseAgentProfileFlag("*[tenant=eu,@alias=support]=errors=1")).toMatchObject({
      key: "*",
      when: { tenant: "eu", "@alias": "support" },
    });
    expect(() => parseAgentProfileFlag("errors")).toThrow(
      "--agent-profile must be KEY[SELECTOR]=SPEC (KEY an agent key or '*'; SELECTOR NAME=VALUE,… on session metadata or @alias), e.g. support-v2=errors=0.08 or 'support-v2[tenant=eu]=errors=0.2'; got 'errors'",
    );
    expect(() => parseAgentProfileFlag("v2=errors=2")).toThrow("--agent-profile v2: errors: must be a share");
    expect(() => parseAgentProfileFlag("v2[tenant]=errors=0.2")).toThrow(
      "--agent-profile v2[tenant]: a selector is NAME=VALUE[,NAME=VALUE]… (NAME a metadata key or @alias, each once); got 'tenant'",
    );
    expect(() => parseAgentProfileFlag("v2[tenant=eu]=errors=9")).toThrow(
      "--agent-profile v2[tenant=eu]: errors: must be a share",
    );
  });

  it("the seed file's structured form reads the same settings, issues at their path", () => {
    expect(
      readProfile(
        {
          errors: 0.08,
          latency: { p50_ms: 120, p95_ms: 400 },
          error_types: { stream_error: 1 },
          tokens: { min: 1, max: 2 },
        },
        "agents[1].profile",
      ),
    ).toEqual({
      patch: {
        errors: 0.08,
        latency: { distribution: "lognormal", p50_ms: 120, p95_ms: 400 },
        error_types: [{ type: "stream_error", weight: 1 }],
        tokens: { min: 1, max: 2 },
      },
      issues: [],
    });
    expect(readProfile({ latency: { p50: 1 }, speed: 1 }, "agents[1].profile").issues).toEqual([
      {
        path: "agents[1].profile.latency",
        message: "agents[1].profile.latency: unknown field 'p50' (known: distribution, p50_ms, p95_ms)",
      },
      {
        path: "agents[1].profile.speed",
        message:
          "agents[1].profile.speed: unknown setting 'speed' (known: errors, error_types, latency, tokens, input_tokens)",
      },
    ]);
  });
});

describe("which profile an agent gets", () => {
  it("its own settings (option over seed) over '*' (option over seed) over the defaults", () => {
    const b = new AgentBehaviour(0, [
      parseAgentProfileFlag("*=latency=7ms"),
      parseAgentProfileFlag("v2=errors=0.5"),
      parseAgentProfileFlag("v2=tokens=5"),
    ]);
    b.setSeedProfiles([
      { key: "*", profile: { input_tokens: 3, latency: { distribution: "normal", p50_ms: 1, p95_ms: 1 } } },
      { key: "v2", profile: { errors: 0.1, error_types: [{ type: "internal", weight: 1 }] } },
    ]);
    expect(b.profileOf("v2")).toEqual({
      errors: 0.5,
      error_types: [{ type: "internal", weight: 1 }],
      latency: { distribution: "lognormal", p50_ms: 7, p95_ms: 7 },
      tokens: { min: 3, max: 8 },
      input_tokens: 3,
    });
    expect(b.profileOf("v1")).toEqual({
      ...DEFAULT_AGENT_PROFILE,
      latency: b.profileOf("v2").latency,
      input_tokens: 3,
    });
  });

  it("a seed file's profile and --agent-profile, through the command's flags", async () => {
    const { code, err } = await emulatorCommandOutcome(["--port", "0", "--agent-profile", "v2=errors=3"]);
    expect(code).toBe(2);
    expect(err).toContain("agent-alias emulator: --agent-profile v2: errors: must be a share from 0 to 1");
    const seeded = await startTestEmulator({
      randomSeed: 1,
      seed: {
        agents: [
          { key: "v1", name: "V1", profile: "errors=1,error_types=internal,latency=10ms" },
          { key: "v2", name: "V2", profile: { errors: 1, latency: 20 } },
        ],
      },
      agentProfiles: ["v2=error_types=stream_error"],
    });
    try {
      expect((await seeded.call("GET", "/v2/agents/v1")).body).not.toHaveProperty("profile");
      for (const a of ["v1", "v2"]) {
        await seeded.call("POST", `/v2/agents/${a}/sessions`, { key: "s" });
        expect((await seeded.call("POST", `/v2/agents/${a}/sessions/s/events`, input("hi"))).status).toBe(
          201,
        );
      }
      const [t2, t1] = await allTraces(seeded);
      expect(t1).toMatchObject({ agent_key: "v1", status: "error", error_type: "internal", duration_ms: 10 });
      expect(t2).toMatchObject({
        agent_key: "v2",
        status: "error",
        error_type: "stream_error",
        duration_ms: 20,
      });
    } finally {
      await seeded.close();
    }
    await expect(
      startTestEmulator({ seed: { agents: [{ key: "v1", name: "V1", profile: { errors: "lots" } }] } }),
    ).rejects.toThrow(
      "seed: agents[0].profile.errors: must be a share from 0 to 1, e.g. 0.08 or 8%; got 'lots'",
    );
  });
});

describe("profiles for some sessions (a selector on metadata or the alias)", () => {
  it("apply over the agent's own to the sessions they select, seed first then options, in order", () => {
    const b = new AgentBehaviour(0, [
      parseAgentProfileFlag("v2=errors=0.01,latency=100ms"),
      parseAgentProfileFlag("v2[tenant=eu]=errors=0.2"),
      parseAgentProfileFlag("*[@alias=other]=latency=900ms"),
    ]);
    b.setSeedProfiles([
      { key: "v2", profile: { errors: 0.5, input_tokens: 9 }, when: { tenant: "eu", tier: "1" } },
    ]);
    const eu = { metadata: { tenant: "eu" }, alias_key: "support" };
    expect(b.profileOf("v2", eu)).toMatchObject({ errors: 0.2, latency: { p50_ms: 100 } });
    // The seed's cohort (tier given as a number in metadata: compared as text) under the option's.
    expect(b.profileOf("v2", { metadata: { tenant: "eu", tier: 1 }, alias_key: "support" })).toMatchObject({
      errors: 0.2,
      input_tokens: 9,
    });
    expect(b.profileOf("v2", { metadata: { tenant: "us" }, alias_key: "support" }).errors).toBe(0.01);
    expect(b.profileOf("v2", { metadata: { tenant: "eu" }, alias_key: "other" })).toMatchObject({
      errors: 0.2,
      latency: { p50_ms: 900 },
    });
    // A direct session (no alias) is never selected by @alias; nor is one without the key.
    expect(b.profileOf("v1", { metadata: {}, alias_key: null }).latency.p50_ms).toBe(
      DEFAULT_AGENT_PROFILE.latency.p50_ms,
    );
    expect(b.profileOf("v2", { metadata: { tenant: { eu: true } }, alias_key: null }).errors).toBe(0.01);
    expect(b.profileOf("v2")).toMatchObject({ errors: 0.01 });
  });

  it("a canary failing for one tenant only, through the emulator: the same draws, other outcomes by cohort", async () => {
    const e = await startTestEmulator({
      randomSeed: 3,
      agentProfiles: ["v2=errors=0", "v2[tenant=eu]=errors=1"],
      seed: {
        agents: [{ key: "v2", name: "V2", profiles: [{ when: { tenant: "us" }, profile: "latency=50ms" }] }],
      },
    });
    try {
      for (const [key, tenant] of [
        ["a", "eu"],
        ["b", "us"],
        ["c", "eu"],
      ] as const) {
        await e.call("POST", "/v2/agents/v2/sessions", { key, metadata: { tenant } });
        await e.call("POST", `/v2/agents/v2/sessions/${key}/events`, input("hi"));
      }
      const traces = (await allTraces(e)) as { session_key: string; status: string; duration_ms: number }[];
      const by = Object.fromEntries(traces.map((t) => [t.session_key, t]));
      expect([by.a!.status, by.b!.status, by.c!.status]).toEqual(["error", "ok", "error"]);
      expect(by.b!.duration_ms).toBe(50);
    } finally {
      await e.close();
    }
    await expect(
      startTestEmulator({
        seed: {
          agents: [{ key: "v1", name: "V1", profiles: [{ when: { tenant: "eu" }, profile: { errors: 7 } }] }],
        },
      }),
    ).rejects.toThrow("seed: agents[0].profiles[0].profile.errors: must be a share from 0 to 1");
    await expect(
      startTestEmulator({
        seed: { agents: [{ key: "v1", name: "V1", profiles: [{ profile: "errors=1" }] }] },
      }),
    ).rejects.toThrow("seed: agents[0].profiles[0]: must be {when: {NAME: VALUE, …}, profile: SPEC}");
  });
});

describe("traces under a seed", () => {
  const T0 = Date.parse("2026-06-02T10:00:00.000Z");

  /** The same requests, one at a time, on a pinned clock; returns every trace. */
  async function rehearse(randomSeed: number): Promise<Json[]> {
    let now = T0;
    const e = await startTestEmulator({
      randomSeed,
      clock: () => new Date(now),
      agentProfiles: ["v1=errors=0.2,latency=50ms..500ms", "v2=errors=0.4,error_types=internal/stream_error"],
    });
    try {
      for (const key of ["v1", "v2"]) await e.call("POST", "/v2/agents", { key, name: key });
      await e.call("POST", "/v2/agent_aliases", { key: "a", name: "A", policy: split("v1", "v2", 50) });
      for (let i = 0; i < 40; i++) {
        now += 250;
        await e.call("POST", "/v2/agent_aliases/a/sessions", {
          key: `s${i}`,
          metadata: { user_id: `u${i % 7}` },
        });
        const r = await e.call("POST", `/v2/agent_aliases/a/sessions/s${i}/events`, input("hello"));
        expect(r.status).toBe(201);
      }
      return await allTraces(e);
    } finally {
      await e.close();
    }
  }

  it("the same seed and the same requests give the same traces, ids included; another seed others", async () => {
    const a = await rehearse(7);
    expect(a).toHaveLength(40);
    expect(await rehearse(7)).toEqual(a);
    const other = await rehearse(8);
    expect(other.map((t) => t.trace_id)).not.toEqual(a.map((t) => t.trace_id));
    expect(other.map((t) => [t.status, t.duration_ms])).not.toEqual(a.map((t) => [t.status, t.duration_ms]));
    // Only what the profile decides differs: the same sessions, agents and times.
    const where = (ts: Json[]) => ts.map((t) => [t.session_key, t.agent_key, t.started_at, t.input_tokens]);
    expect(where(other)).toEqual(where(a));
  });

  it("each agent's traces do not depend on how concurrent requests interleave", async () => {
    const run = async (concurrency: number) => {
      const e = await startTestEmulator({
        randomSeed: 99,
        agentProfiles: ["*=errors=0.3,latency=10ms..900ms"],
      });
      try {
        for (const key of ["v1", "v2"]) await e.call("POST", "/v2/agents", { key, name: key });
        await e.call("POST", "/v2/agent_aliases", { key: "a", name: "A", policy: split("v1", "v2", 70) });
        const r = await runTraffic({
          url: e.url,
          apiKey: e.apiKey,
          alias: "a",
          rate: 100_000,
          count: 300,
          concurrency,
          seed: 5,
          users: 50,
          keyPrefix: "k",
          traces: false,
        });
        expect(r.inputs).toBe(300);
        const traces = await allTraces(e);
        const byAgent = (k: string) =>
          traces
            .filter((t) => t.agent_key === k)
            .map((t) => `${t.trace_id} ${t.status} ${t.error_type} ${t.duration_ms} ${t.output_tokens}`)
            .sort();
        return { v1: byAgent("v1"), v2: byAgent("v2") };
      } finally {
        await e.close();
      }
    };
    const one = await run(1);
    expect(one.v1.length + one.v2.length).toBe(300);
    expect(await run(64)).toEqual(one);
  });
});

describe("traces follow the profile over many inputs", () => {
  it("error share, error types and latency percentiles of 2,000 inputs per agent", async () => {
    const e = await startTestEmulator({
      randomSeed: 2026,
      maxSessions: 0,
      agentProfiles: [
        "base=errors=0.01,latency=120ms..400ms,tokens=300",
        "canary=errors=0.08,error_types=llm_generation_error:3/stream_error:1,latency=normal:300ms..500ms",
      ],
    });
    try {
      for (const key of ["base", "canary"]) {
        await e.call("POST", "/v2/agents", { key, name: key });
        await e.call("POST", "/v2/agent_aliases", { key: `via-${key}`, name: key, policy: single(key) });
        const r = await runTraffic({
          url: e.url,
          apiKey: e.apiKey,
          alias: `via-${key}`,
          rate: 100_000,
          count: 2000,
          traces: false,
        });
        expect(r.inputs).toBe(2000);
      }
      const stats = (key: string, traces: Json[]) => {
        const mine = traces.filter((t) => t.agent_key === key);
        const errors = mine.filter((t) => t.status === "error");
        const d = mine.map((t) => t.duration_ms);
        return {
          n: mine.length,
          errorShare: errors.length / mine.length,
          errors,
          p50: nearestRank(d, 50),
          p95: nearestRank(d, 95),
        };
      };
      const traces = await allTraces(e);
      const base = stats("base", traces);
      const canary = stats("canary", traces);
      expect(base.n).toBe(2000);
      expect(canary.n).toBe(2000);
      // Binomial: 4 standard deviations are ~0.009 at 1% and ~0.024 at 8% over 2,000.
      expect(Math.abs(base.errorShare - 0.01)).toBeLessThan(0.009);
      expect(Math.abs(canary.errorShare - 0.08)).toBeLessThan(0.024);
      expect(new Set(base.errors.map((t) => t.error_type))).toEqual(new Set(["llm_generation_error"]));
      const streamShare =
        canary.errors.filter((t) => t.error_type === "stream_error").length / canary.errors.length;
      expect(Math.abs(streamShare - 0.25)).toBeLessThan(0.12);
      // Percentiles: within 10% of the profile's (lognormal; normal).
      expect(Math.abs(base.p50 / 120 - 1)).toBeLessThan(0.1);
      expect(Math.abs(base.p95 / 400 - 1)).toBeLessThan(0.1);
      expect(Math.abs(canary.p50 / 300 - 1)).toBeLessThan(0.1);
      expect(Math.abs(canary.p95 / 500 - 1)).toBeLessThan(0.1);
      // Tokens: uniform in 150..450 when it answered, 0 when it failed.
      for (const t of traces.filter((x) => x.agent_key === "base")) {
        if (t.status === "error") expect(t.output_tokens).toBe(0);
        else {
          expect(t.output_tokens).toBeGreaterThanOrEqual(150);
          expect(t.output_tokens).toBeLessThanOrEqual(450);
        }
      }
      // The list's own filters agree with the counts.
      expect(await allTraces(e, "agent_key=canary&status=error")).toHaveLength(canary.errors.length);
      expect(await allTraces(e, "agent_key=canary&min_duration_ms=500")).toHaveLength(
        traces.filter((t) => t.agent_key === "canary" && t.duration_ms >= 500).length,
      );
    } finally {
      await e.close();
    }
  });
});
