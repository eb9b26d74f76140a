/**
 * A simulated world for the rollout loop's unit tests, with no Pulumi and no server: a stack
 * whose `up` makes the API serve the stage in its config (the program), an API that routes each
 * new session with the policy it serves at that instant and lists a trace only once its
 * invocation has ended, and a clock that moves only when the rollout sleeps. Traffic arrives as
 * the clock moves: one session through the alias every `everyMs`, one input each, whose outcome
 * `behaviour` decides by agent and session.
 */

import type { UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import { type CanaryPlan, checkPolicy, type Policy } from "../../src/policy/index.js";
import type { RolloutApi, ServedAlias } from "../../src/rollout/api.js";
import { Interrupts } from "../../src/rollout/interrupts.js";
import type { ApiSession } from "../../src/rollout/sessions.js";
import type { RolloutStack } from "../../src/rollout/stack.js";
import type { ApiTrace } from "../../src/rollout/traces.js";

export interface Outcome {
  ok: boolean;
  durationMs: number;
}

export interface WorldOptions {
  plan: CanaryPlan;
  aliasKey?: string;
  /** The stage the API serves at the start (undefined: no alias). */
  served?: string | undefined;
  /** The stage in stack config at the start. */
  config?: string | undefined;
  start: number;
  /** A session through the alias every this many ms (default 100). */
  everyMs?: number;
  /** The outcome of the n-th input (from 0) of an agent in a session with `metadata`. */
  behaviour?: (agent: string, n: number, session: { metadata: Record<string, unknown> }) => Outcome;
  /** The metadata of the i-th session (default a user id from a pool of 500). */
  metadata?: (i: number) => Record<string, unknown>;
  /** What the stack's history says about the stage in config (stageSince). */
  since?: number;
  /** Traffic outside the alias: a session on `agent` every `everyMs` (another alias, or direct), one input each. */
  foreign?: { agent: string; everyMs: number; outcome: (n: number) => Outcome }[];
}

export class World {
  now: number;
  readonly plan: CanaryPlan;
  readonly aliasKey: string;
  served: Policy | null;
  config: string | undefined;
  readonly tags: Record<string, string> = {};
  readonly sessions: ApiSession[] = [];
  readonly traces: (ApiTrace & { ends: number })[] = [];
  readonly ups: string[] = [];
  /** The stack's update history, newest first (what `stack.updates` gives). */
  readonly history: UpdateSummary[] = [];
  /** The ordinals (from 1) of the `up`s that fail, with the engine's message. */
  readonly failingUps = new Map<number, string>();
  private upCount = 0;
  /** Makes a tag write fail when it returns true. */
  tagWriteFails: (name: string, value: string) => boolean = () => false;
  /** How many times the rollout asked a running `up` to stop. */
  interruptsForwarded = 0;
  readonly traceCalls: { agentKey: string; start: number; end: number }[] = [];
  sessionCalls = 0;
  /** HTTP calls the API would have made: a trace listing is a page per 100 traces (at least one). */
  httpCalls = 0;
  /** The served policy's weights seen by every API read, for "never below" checks. */
  readonly servedLog: string[] = [];
  readonly interrupts = new Interrupts();
  private madeUpTo: number;
  private made = 0;
  private readonly counts = new Map<string, number>();

  constructor(readonly options: WorldOptions) {
    this.plan = options.plan;
    this.aliasKey = options.aliasKey ?? "chat";
    this.now = options.start;
    this.madeUpTo = options.start;
    this.served = options.served === undefined ? null : this.policyOf(options.served);
    this.config = options.config;
  }

  policyOf(stage: string): Policy {
    const i = this.plan.stages.findIndex((s) => s.name === stage);
    if (i < 0) throw new Error(`no stage ${stage}`);
    return this.plan.policies[i]!;
  }

  private foreignUpTo: number[] = [];
  /** Called at the start of the n-th `up` (to interrupt it, say). */
  onUp: ((n: number) => Promise<void> | void) | undefined;

  /** Creates the traffic of the time since the last call, routed by the policy served now. */
  private flow(): void {
    for (const [j, f] of (this.options.foreign ?? []).entries()) {
      let at = this.foreignUpTo[j] ?? this.options.start;
      for (
        let n = Math.round((at - this.options.start) / f.everyMs);
        at + f.everyMs <= this.now;
        at += f.everyMs, n++
      )
        this.foreign(f.agent, at, f.outcome(n), `other_${j}_${n}`);
      this.foreignUpTo[j] = at;
    }
    const every = this.options.everyMs ?? 100;
    const checked =
      this.served === null ? undefined : checkPolicy({ key: this.aliasKey, policy: this.served });
    for (; this.madeUpTo + every <= this.now; this.madeUpTo += every) {
      if (checked === undefined || !checked.ok) continue;
      const at = this.madeUpTo;
      const i = this.made++;
      const key = `ses_${i}`;
      const metadata = this.options.metadata?.(i) ?? { user_id: `user-${i % 500}` };
      const createdAt = new Date(at).toISOString();
      const routed = checked.policy.resolver.resolve({
        agent: { key: this.aliasKey, name: "Chat", description: "", metadata: {} },
        session: { key, name: key, description: "", metadata },
        currentDate: createdAt,
      });
      this.sessions.push({
        key,
        name: key,
        description: "",
        agent_key: routed.agent_key,
        alias_key: this.aliasKey,
        metadata,
        created_at: createdAt,
      });
      const n = this.counts.get(routed.agent_key) ?? 0;
      this.counts.set(routed.agent_key, n + 1);
      const o = this.options.behaviour?.(routed.agent_key, n, { metadata }) ?? { ok: true, durationMs: 200 };
      this.traces.push({
        trace_id: `atr_${i}`,
        agent_key: routed.agent_key,
        session_key: key,
        started_at: new Date(at + 5).toISOString(),
        duration_ms: o.durationMs,
        status: o.ok ? "ok" : "error",
        ends: at + 5 + o.durationMs,
      });
    }
  }

  /** Adds a trace of another alias or a direct session (no session of this alias). */
  foreign(
    agent: string,
    at: number,
    o: Outcome,
    sessionKey: string | null = `other_${this.traces.length}`,
  ): void {
    this.traces.push({
      trace_id: `atr_f${this.traces.length}`,
      agent_key: agent,
      session_key: sessionKey,
      started_at: new Date(at).toISOString(),
      duration_ms: o.durationMs,
      status: o.ok ? "ok" : "error",
      ends: at + o.durationMs,
    });
  }

  readonly sleep = async (ms: number): Promise<void> => {
    this.now += ms;
    this.flow();
  };

  readonly clock = (): number => this.now;

  private weights(): string {
    if (this.served === null) return "absent";
    const i = this.plan.policies.indexOf(this.served);
    return i < 0 ? "other" : this.plan.stages[i]!.name;
  }

  readonly api: RolloutApi = {
    calls: () => this.httpCalls,
    alias: async (key) => {
      this.httpCalls++;
      this.flow();
      this.servedLog.push(this.weights());
      if (key !== this.aliasKey || this.served === null) return null;
      return { key, name: "Chat", description: "", metadata: {}, policy: this.served } satisfies ServedAlias;
    },
    traces: async ({ agentKey, start, end }) => {
      this.flow();
      this.traceCalls.push({ agentKey, start, end });
      const listed = this.traces.filter((t) => {
        const at = Date.parse(t.started_at);
        return t.agent_key === agentKey && at >= start && at < end && t.ends <= this.now;
      });
      this.httpCalls += Math.max(1, Math.ceil(listed.length / 100));
      return listed;
    },
    sessions: () => async (pageKey) => {
      this.flow();
      this.sessionCalls++;
      this.httpCalls++;
      const from = pageKey === undefined ? 0 : Number(pageKey);
      const page = this.sessions.slice(from, from + 100);
      const next = from + 100 < this.sessions.length ? String(from + 100) : undefined;
      return { sessions: page, next };
    },
  };

  readonly stack: RolloutStack = {
    name: "dev",
    getStage: async () => this.config,
    setStage: async (s) => {
      this.config = s;
    },
    up: async ({ stage, message }) => {
      this.flow();
      const n = ++this.upCount;
      const failure = this.failingUps.get(n);
      const entry = (result: UpdateSummary["result"]): UpdateSummary => ({
        kind: "update",
        startTime: new Date(this.now),
        endTime: new Date(this.now),
        message,
        environment: {},
        config: { "proj:canaryStage": { value: stage, secret: false } },
        result,
        version: n,
        resourceChanges: {},
      });
      if (this.onUp !== undefined) await this.onUp(n);
      if (failure !== undefined) {
        this.history.unshift(entry("failed"));
        throw Object.assign(new Error(failure), { code: "stack_failed" });
      }
      const before = this.served;
      this.served = this.policyOf(stage);
      this.config = stage;
      this.ups.push(stage);
      this.history.unshift(entry("succeeded"));
      return { changes: before === this.served ? 0 : 1 };
    },
    interrupt: () => {
      this.interruptsForwarded++;
      return true;
    },
    updates: async (count) => this.history.slice(0, count),
    stageSince: async () => this.options.since,
    apiConfig: async () => ({}),
    tags: async () => ({ ...this.tags }),
    setTag: async (k, v) => {
      if (this.tagWriteFails(k, v)) throw new Error(`cannot set tag ${k}: the backend is unreachable`);
      this.tags[k] = v;
    },
    removeTag: async (k) => {
      delete this.tags[k];
    },
  };

  /** The options runRollout needs of this world. */
  rollout(extra: Record<string, unknown> = {}) {
    return {
      plan: this.plan,
      aliasKey: this.aliasKey,
      stack: this.stack,
      api: this.api,
      clock: this.clock,
      sleep: this.sleep,
      interrupts: this.interrupts,
      holder: { host: "test-host", by: "tester@test-host", pid: 4242 },
      ...extra,
    };
  }
}
