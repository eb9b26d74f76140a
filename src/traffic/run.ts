/**
 * A traffic generator for rehearsals *(ours)*: creates sessions through an alias at a given
 * rate and posts one input to each, so that each yields a trace (API.md "Traces"), bounded in
 * count and in time. It speaks the API through the typed client, so it drives the emulator or
 * any API the same way.
 *
 * Each session gets metadata: the contexts in turn, and a `user_id` drawn from a pool of
 * `users` ids (`user-1` … `user-N`) where the context has none, so that partition keys repeat
 * as real users' do. The draws are counter-based (emulator/random.ts): session i gets the
 * same user for a given seed however the requests interleave.
 */
import { AgentAliasClient } from "../client/client.js";
import { isApiError } from "../client/errors.js";
import { isHttpUrl } from "../client/options.js";
import { cut } from "../client/redact.js";
import { randomHex } from "../emulator/ids.js";
import { drawsFor, hash32 } from "../emulator/random.js";
import { isKey } from "../policy/index.js";
import { KEY_RULE } from "../policy/schema.js";
import { nearestRank } from "../units/index.js";
import {
  type SessionFields,
  type TrafficAgentCounts,
  TrafficError,
  type TrafficOptions,
  type TrafficResult,
} from "./types.js";

/** Failures of session creation that stop the run: no retry or later call would go better. */
const FATAL = new Set(["unauthorized", "forbidden", "not_found"]);

const DEFAULTS = Object.freeze({ durationMs: 60_000, users: 1000, concurrency: 64, message: "hello" });

/** Throws a TrafficError naming the first bad option. */
export function checkOptions(o: TrafficOptions): void {
  if (!isKey(o.alias)) throw new TrafficError(`alias must be ${KEY_RULE}; got '${cut(o.alias)}'`);
  if (o.client === undefined && o.url !== undefined && !isHttpUrl(o.url))
    throw new TrafficError(`url must be an http(s) URL such as http://127.0.0.1:8742; got '${cut(o.url)}'`);
  const positive = (v: number | undefined, what: string, integer: boolean) => {
    if (v !== undefined && !(v > 0 && Number.isFinite(v) && (!integer || Number.isInteger(v))))
      throw new TrafficError(`${what} must be ${integer ? "a whole number" : "a number"} above 0; got ${v}`);
  };
  positive(o.rate, "rate", false);
  positive(o.count, "count", true);
  positive(o.durationMs, "duration", false);
  positive(o.concurrency, "concurrency", true);
  if (o.users !== undefined && !(Number.isInteger(o.users) && o.users >= 0))
    throw new TrafficError(`users must be a whole number >= 0; got ${o.users}`);
  if (o.contexts !== undefined && o.contexts.length === 0)
    throw new TrafficError("contexts must not be empty");
  if (o.agent !== undefined && !/^[0-9a-zA-Z_-]{1,50}$/.test(o.agent))
    throw new TrafficError(`agent must be an agent key; got '${o.agent}'`);
  if (o.keyPrefix !== undefined && !/^[0-9a-zA-Z_-]{0,40}$/.test(o.keyPrefix))
    throw new TrafficError(`keyPrefix must be at most 40 key characters (letters, digits, _ and -)`);
}

/** One run: its options with their defaults, what happened so far, and the sessions it made. */
interface Run {
  readonly options: TrafficOptions;
  readonly client: AgentAliasClient;
  readonly count: number;
  readonly durationMs: number | undefined;
  readonly concurrency: number;
  readonly contexts: readonly SessionFields[] | undefined;
  readonly users: number;
  readonly seed: number;
  readonly userHash: number;
  readonly prefix: string;
  readonly message: string;
  readonly via: { agentKey: string } | { aliasKey: string };
  readonly result: TrafficResult;
  /** Keys of the sessions this run created (their traces are its own). */
  readonly ours: Set<string>;
  /** The earliest `created_at` answered, in ms. */
  firstMs: number;
}

function prepare(options: TrafficOptions): Run {
  const client =
    options.client ??
    new AgentAliasClient({
      ...options.clientOptions,
      baseUrl: options.url,
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    });
  const contexts = options.contexts;
  return {
    options,
    client,
    count: options.count ?? Number.POSITIVE_INFINITY,
    durationMs: options.durationMs ?? (options.count === undefined ? DEFAULTS.durationMs : undefined),
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
    contexts,
    users: options.users ?? (contexts === undefined ? DEFAULTS.users : 0),
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    userHash: hash32("user_id"),
    prefix: options.keyPrefix ?? `trf_${randomHex(6)}_`,
    message: options.message ?? DEFAULTS.message,
    via: options.agent !== undefined ? { agentKey: options.agent } : { aliasKey: options.alias },
    result: {
      alias: options.alias,
      sessions: 0,
      inputs: 0,
      agents: {},
      failures: { sessions: 0, inputs: 0, by_code: {} },
      traces: null,
      first_session_at: null,
      elapsed_ms: 0,
      rate_per_s: 0,
      stopped: "count",
    },
    ours: new Set<string>(),
    firstMs: Number.POSITIVE_INFINITY,
  };
}

function agentCounts(run: Run, key: string): TrafficAgentCounts {
  return (run.result.agents[key] ??= { sessions: 0, inputs: 0 });
}

/** Counts a failed call; returns its code. */
function fail(run: Run, what: "sessions" | "inputs", e: unknown): string {
  const code = isApiError(e) ? e.code : "error";
  run.result.failures[what]++;
  run.result.failures.by_code[code] = (run.result.failures.by_code[code] ?? 0) + 1;
  return code;
}

function fieldsFor(run: Run, i: number): SessionFields {
  const { contexts, users } = run;
  const base = contexts === undefined ? { metadata: {} } : contexts[i % contexts.length]!;
  if (users === 0 || base.metadata.user_id !== undefined) return base;
  const user = 1 + Math.floor(drawsFor(run.seed, run.userHash, i).next() * users);
  return { ...base, metadata: { ...base.metadata, user_id: `user-${user}` } };
}

/** Session i: creates it, then posts its input; a failure is counted, never thrown. */
async function oneSession(run: Run, i: number): Promise<void> {
  const { client, result } = run;
  const key = `${run.prefix}${i}`;
  let agentKey: string;
  try {
    const s = await client.createSession(run.via, { key, ...fieldsFor(run, i) });
    agentKey = s.agent_key;
    const ms = Date.parse(s.created_at);
    if (ms < run.firstMs) {
      run.firstMs = ms;
      result.first_session_at = s.created_at;
    }
  } catch (e) {
    if (FATAL.has(fail(run, "sessions", e)) && result.fatal === undefined) {
      result.fatal = isApiError(e) ? `${e.status ?? ""} ${e.apiMessage}`.trim() : String(e);
    }
    return;
  }
  run.ours.add(key);
  result.sessions++;
  agentCounts(run, agentKey).sessions++;
  try {
    await client.createEvent(run.via, key, {
      type: "input_message",
      messages: [{ type: "text", content: run.message }],
    });
    result.inputs++;
    agentCounts(run, agentKey).inputs++;
  } catch (e) {
    fail(run, "inputs", e);
  }
}

/**
 * Starts sessions at the run's rate until its count, its duration, a fatal failure or the
 * signal, then waits for those in flight; returns the instants of the first and last start.
 */
async function pace(run: Run): Promise<{ t0: number; started: number; lastStart: number }> {
  const { options, result, count, concurrency } = run;
  const t0 = performance.now();
  const deadline = run.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + run.durationMs;
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let lastStart = t0;
  let wake: () => void = () => {};
  const onAbort = (): void => wake();
  options.signal?.addEventListener("abort", onAbort);
  try {
    for (;;) {
      if (result.fatal !== undefined) {
        result.stopped = "fatal";
        break;
      }
      if (options.signal?.aborted) {
        result.stopped = "aborted";
        break;
      }
      if (started >= count) break;
      const now = performance.now();
      if (now >= deadline) {
        result.stopped = "duration";
        break;
      }
      // Session i is due at t0 + i / rate: the rate holds however long each call takes.
      const due = Math.min(count, Math.floor(((now - t0) * options.rate) / 1000) + 1);
      while (started < due && inFlight.size < concurrency) {
        lastStart = performance.now();
        const p = oneSession(run, started++).finally(() => {
          inFlight.delete(p);
          wake();
        });
        inFlight.add(p);
      }
      if (started >= count) break;
      const nextAt = Math.min(deadline, t0 + (started * 1000) / options.rate);
      await new Promise<void>((resolveWake) => {
        const timer =
          inFlight.size < concurrency
            ? setTimeout(resolveWake, Math.max(0, nextAt - performance.now()))
            : undefined;
        wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          resolveWake();
        };
      });
      wake = () => {};
    }
    await Promise.all(inFlight);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  return { t0, started, lastStart };
}

/** Reads the traces of the run's sessions into the result (per agent: traces, errors, p95). */
async function readTraces(run: Run, since: string): Promise<void> {
  const { result } = run;
  const durations = new Map<string, number[]>();
  let read = 0;
  let errors = 0;
  try {
    for await (const t of run.client.allTraces({ started_after: since })) {
      if (t.session_key === null || !run.ours.has(t.session_key)) continue;
      const a = agentCounts(run, t.agent_key ?? "(unknown)");
      a.traces = (a.traces ?? 0) + 1;
      read++;
      if (t.status === "error") {
        a.errors = (a.errors ?? 0) + 1;
        errors++;
      }
      if (t.duration_ms !== null) {
        let list = durations.get(t.agent_key ?? "(unknown)");
        if (list === undefined) durations.set(t.agent_key ?? "(unknown)", (list = []));
        list.push(t.duration_ms);
      }
    }
    for (const [key, a] of Object.entries(result.agents)) {
      a.traces ??= 0;
      a.errors ??= 0;
      const p95 = nearestRank(durations.get(key) ?? [], 95) ?? undefined;
      if (p95 !== undefined) a.p95_ms = p95;
    }
    result.traces = { read, errors };
  } catch (e) {
    result.traces = { unavailable: isApiError(e) ? e.message : String(e) };
    for (const a of Object.values(result.agents)) {
      delete a.traces;
      delete a.errors;
    }
  }
}

/**
 * Runs traffic through `options.alias`: starts `rate` sessions a second (at most
 * `concurrency` at once), each with one input, until `count` sessions, `durationMs` or
 * `signal`, then waits for those in flight and, unless `traces: false`, reads the traces of
 * its sessions. Throws a TrafficError for bad options only; a failed call is counted.
 */
export async function runTraffic(options: TrafficOptions): Promise<TrafficResult> {
  checkOptions(options);
  const run = prepare(options);
  const { result } = run;
  const { t0, started, lastStart } = await pace(run);
  result.elapsed_ms = Math.round(performance.now() - t0);
  result.rate_per_s =
    started < 2 ? started : Number((((started - 1) * 1000) / Math.max(1, lastStart - t0)).toFixed(1));
  if (result.stopped === "count" && result.fatal !== undefined) result.stopped = "fatal";
  if (options.traces !== false && result.first_session_at !== null)
    await readTraces(run, result.first_session_at);
  return result;
}
