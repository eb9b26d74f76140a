/**
 * A traffic generator for rehearsals *(ours)*: creates sessions through an alias at a given
 * rate and posts one input to each, so that each yields a trace (API.md "Traces"), bounded in
 * count and in time. It speaks the API through the typed client, so it drives the emulator or
 * any API the same way.
 *
 * - `runTraffic(options)`: runs it and resolves with what happened (TrafficResult); never
 *   throws for a failed call (it is counted), only for bad options;
 * - `readContexts(file)`: the session fields of `--metadata-from`;
 * - `runTrafficCommand(argv, io)`: `agent-alias emulator traffic`.
 *
 * Each session gets metadata: the file's contexts in turn, and a `user_id` drawn from a pool
 * of `users` ids (`user-1` … `user-N`) where the context has none, so that partition keys
 * repeat as real users' do. The draws are counter-based (random.ts): session i gets the same
 * user for a given seed however the requests interleave.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { AgentAliasClient } from "../client/client.js";
import { isApiError } from "../client/errors.js";
import { type ClientOptions, isHttpUrl } from "../client/options.js";
import { cut } from "../client/redact.js";
import { DocumentError, parseDocument } from "../policy/documents.js";
import { isRecord, KEY_PATTERN } from "../policy/index.js";
import { KEY_RULE } from "../policy/schema.js";
import { randomHex } from "./ids.js";
import { drawsFor, hash32 } from "./random.js";
import { readStdin } from "./stdin.js";
import { formatMs, parseDurationMs, parseRate } from "./units.js";

/** What a session is created with, besides its key. */
export interface SessionFields {
  metadata: Record<string, unknown>;
  name?: string;
  description?: string;
}

export interface TrafficOptions {
  /** The API's base URL (an emulator's `http://127.0.0.1:8742`). Ignored when `client` is given. */
  url?: string;
  /** The API key (else the client's environment: VECTARA_API_KEY). */
  apiKey?: string;
  /** Further client options (retries, timeouts, OAuth client credentials). */
  clientOptions?: Omit<ClientOptions, "baseUrl" | "apiKey">;
  /** A client to use instead of one made from `url` and `apiKey`. */
  client?: AgentAliasClient;
  /** The alias to create sessions through. */
  alias: string;
  /**
   * Create the sessions directly on this agent instead (`POST /v2/agents/{k}/sessions`, not
   * routed; `alias` then only names the run): traffic an agent gets outside any alias.
   */
  agent?: string;
  /** Sessions started per second (each posts one input). */
  rate: number;
  /** Stop after this many sessions. */
  count?: number;
  /** Stop starting sessions after this long (ms). Default 60 s when `count` is not given. */
  durationMs?: number;
  /** Session fields, used in turn (readContexts reads them from a file). */
  contexts?: readonly SessionFields[];
  /** Size of the `user_id` pool; 0: no generated `user_id`. Default 1000 (0 with `contexts`). */
  users?: number;
  /** Seeds the `user_id` draws. Default: random. */
  seed?: number;
  /** The text of each input. Default `hello`. */
  message?: string;
  /** Most sessions in flight at once (the rate drops when they are all busy). Default 64. */
  concurrency?: number;
  /** Session keys are `keyPrefix` + a number. Default `trf_<6 random hex>_`. */
  keyPrefix?: string;
  /** Read the run's traces afterwards for the summary (per agent: traces, errors, p95). Default true. */
  traces?: boolean;
  /** Stops starting sessions (those in flight finish). */
  signal?: AbortSignal;
}

/** What one agent got in a run. */
export interface TrafficAgentCounts {
  /** Sessions the alias routed to it. */
  sessions: number;
  /** Inputs it answered. */
  inputs: number;
  /** Its traces of the run's sessions, once read (absent when traces were not read). */
  traces?: number;
  /** Of those, with `status: error`. */
  errors?: number;
  /** 95th percentile of their `duration_ms` (nearest rank); absent with no duration. */
  p95_ms?: number;
}

export interface TrafficResult {
  alias: string;
  /** Sessions created. */
  sessions: number;
  /** Inputs answered. */
  inputs: number;
  /** By the agent each session was routed to. */
  agents: Record<string, TrafficAgentCounts>;
  /** Calls that failed (after the client's retries), by the client's error `code`. */
  failures: { sessions: number; inputs: number; by_code: Record<string, number> };
  /** The run's traces, read afterwards: how many and how many failed; or why they could not be read. */
  traces: { read: number; errors: number } | { unavailable: string } | null;
  /** The earliest `created_at` the API answered for a session of the run (its clock): where its traces start. */
  first_session_at: string | null;
  elapsed_ms: number;
  /** Sessions started per second, achieved: from the first start to the last. */
  rate_per_s: number;
  /** Why it stopped: the count was reached, the time was up, `signal`, or a call no retry can mend. */
  stopped: "count" | "duration" | "aborted" | "fatal";
  /** The fatal failure (401, 403, 404 on creating a session), when `stopped` is `fatal`. */
  fatal?: string;
}

/** Bad traffic options or a bad contexts file; `code` for the command's exit status. */
export class TrafficError extends Error {
  override readonly name = "TrafficError";
  readonly code = "invalid_traffic" as const;
}

/** Failures of session creation that stop the run: no retry or later call would go better. */
const FATAL = new Set(["unauthorized", "forbidden", "not_found"]);

const DEFAULTS = Object.freeze({ durationMs: 60_000, users: 1000, concurrency: 64, message: "hello" });

/** One entry of a contexts file as session fields (see readContexts). */
function fieldsOf(item: unknown, at: string): SessionFields {
  if (!isRecord(item)) throw new TrafficError(`${at}: must be an object`);
  const context = isRecord(item.context) ? item.context : undefined;
  const session = isRecord(context?.session)
    ? context.session
    : isRecord(item.session)
      ? item.session
      : undefined;
  if (context !== undefined && session === undefined) return { metadata: {} }; // a sample without session fields: routed on the alias alone
  if (session === undefined) return { metadata: item };
  const metadata = session.metadata ?? {};
  if (!isRecord(metadata)) throw new TrafficError(`${at}.session.metadata: must be an object`);
  const out: SessionFields = { metadata };
  if (typeof session.name === "string") out.name = session.name;
  if (typeof session.description === "string") out.description = session.description;
  return out;
}

/**
 * The session fields of a contexts file (YAML or JSON): a list, or `{samples: [...]}` or
 * `{contexts: [...]}`, of routing samples (`{name?, context: {session: {metadata, name?,
 * description?}}, expect?}`, as `agent-alias preview --samples` reads them), routing contexts
 * (`{session: {...}}`), or plain metadata objects (`{user_id: u1, tier: gold}`). Throws a
 * TrafficError naming the file and the entry.
 */
export function readContexts(file: string): SessionFields[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new TrafficError(`--metadata-from ${file}: cannot read: ${(e as Error).message}`);
  }
  return contextsOfText(text, file);
}

/** readContexts of a file's text (`file` names it in errors; `-` for standard input). */
export function contextsOfText(text: string, file: string): SessionFields[] {
  let doc: unknown;
  try {
    doc = parseDocument(text, file);
  } catch (e) {
    if (e instanceof DocumentError) throw new TrafficError(`--metadata-from ${e.message}`);
    throw e;
  }
  const list = Array.isArray(doc)
    ? doc
    : isRecord(doc) && Array.isArray(doc.samples)
      ? doc.samples
      : isRecord(doc) && Array.isArray(doc.contexts)
        ? doc.contexts
        : undefined;
  if (list === undefined || list.length === 0)
    throw new TrafficError(
      `--metadata-from ${file}: must be a non-empty list (or {samples: [...]}) of samples, contexts or metadata objects`,
    );
  return list.map((item, i) => fieldsOf(item, `--metadata-from ${file}: [${i}]`));
}

/** Nearest-rank percentile of `values` (sorted in place). */
function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))];
}

function checkOptions(o: TrafficOptions): void {
  if (!(o.alias.length <= 50 && KEY_PATTERN.test(o.alias)))
    throw new TrafficError(`alias must be ${KEY_RULE}; got '${cut(o.alias)}'`);
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

/**
 * Runs traffic through `options.alias`: starts `rate` sessions a second (at most
 * `concurrency` at once), each with one input, until `count` sessions, `durationMs` or
 * `signal`, then waits for those in flight and, unless `traces: false`, reads the traces of
 * its sessions. Throws a TrafficError for bad options only.
 */
export async function runTraffic(options: TrafficOptions): Promise<TrafficResult> {
  checkOptions(options);
  const client =
    options.client ??
    new AgentAliasClient({
      ...options.clientOptions,
      baseUrl: options.url,
      ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    });
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const durationMs = options.durationMs ?? (options.count === undefined ? DEFAULTS.durationMs : undefined);
  const concurrency = options.concurrency ?? DEFAULTS.concurrency;
  const contexts = options.contexts;
  const users = options.users ?? (contexts === undefined ? DEFAULTS.users : 0);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const userHash = hash32("user_id");
  const prefix = options.keyPrefix ?? `trf_${randomHex(6)}_`;
  const message = options.message ?? DEFAULTS.message;
  const via = options.agent !== undefined ? { agentKey: options.agent } : { aliasKey: options.alias };

  const result: TrafficResult = {
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
  };
  const ours = new Set<string>();
  let firstMs = Number.POSITIVE_INFINITY;
  const agent = (key: string): TrafficAgentCounts => (result.agents[key] ??= { sessions: 0, inputs: 0 });
  const fail = (what: "sessions" | "inputs", e: unknown): string => {
    const code = isApiError(e) ? e.code : "error";
    result.failures[what]++;
    result.failures.by_code[code] = (result.failures.by_code[code] ?? 0) + 1;
    return code;
  };

  const fieldsFor = (i: number): SessionFields => {
    const base = contexts === undefined ? { metadata: {} } : contexts[i % contexts.length]!;
    if (users === 0 || base.metadata.user_id !== undefined) return base;
    const user = 1 + Math.floor(drawsFor(seed, userHash, i).next() * users);
    return { ...base, metadata: { ...base.metadata, user_id: `user-${user}` } };
  };

  const one = async (i: number): Promise<void> => {
    const key = `${prefix}${i}`;
    let agentKey: string;
    try {
      const s = await client.createSession(via, { key, ...fieldsFor(i) });
      agentKey = s.agent_key;
      const ms = Date.parse(s.created_at);
      if (ms < firstMs) {
        firstMs = ms;
        result.first_session_at = s.created_at;
      }
    } catch (e) {
      if (FATAL.has(fail("sessions", e)) && result.fatal === undefined) {
        result.fatal = isApiError(e) ? `${e.status ?? ""} ${e.apiMessage}`.trim() : String(e);
      }
      return;
    }
    ours.add(key);
    result.sessions++;
    agent(agentKey).sessions++;
    try {
      await client.createEvent(via, key, {
        type: "input_message",
        messages: [{ type: "text", content: message }],
      });
      result.inputs++;
      agent(agentKey).inputs++;
    } catch (e) {
      fail("inputs", e);
    }
  };

  const t0 = performance.now();
  const deadline = durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + durationMs;
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
        const p = one(started++).finally(() => {
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
  result.elapsed_ms = Math.round(performance.now() - t0);
  result.rate_per_s =
    started < 2 ? started : Number((((started - 1) * 1000) / Math.max(1, lastStart - t0)).toFixed(1));
  if (result.stopped === "count" && result.fatal !== undefined) result.stopped = "fatal";

  if (options.traces !== false && result.first_session_at !== null) {
    const durations = new Map<string, number[]>();
    let read = 0;
    let errors = 0;
    try {
      for await (const t of client.allTraces({ started_after: result.first_session_at })) {
        if (t.session_key === null || !ours.has(t.session_key)) continue;
        const a = agent(t.agent_key ?? "(unknown)");
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
        const p95 = percentile(durations.get(key) ?? [], 95);
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
  return result;
}

const pct = (n: number, of: number): string => `${of === 0 ? 0 : Number(((100 * n) / of).toFixed(1))}%`;

/**
 * The run in one line: `traffic via support: 1000 sessions, 1000 inputs in 20 s (50/s);
 * support-v1 950 (9 errors, 0.9%, p95 402 ms), support-v2 50 (4 errors, 8%, p95 388 ms);
 * 0 failed calls`.
 */
export function formatTrafficSummary(r: TrafficResult): string {
  const agents = Object.entries(r.agents)
    .sort((a, b) => b[1].sessions - a[1].sessions || a[0].localeCompare(b[0]))
    .map(([key, a]) => {
      if (a.traces === undefined) return `${key} ${a.sessions}`;
      const parts = [`${a.errors ?? 0} errors of ${a.traces} traces, ${pct(a.errors ?? 0, a.traces)}`];
      if (a.p95_ms !== undefined) parts.push(`p95 ${formatMs(a.p95_ms)}`);
      return `${key} ${a.sessions} (${parts.join(", ")})`;
    });
  const failed = r.failures.sessions + r.failures.inputs;
  const codes = Object.entries(r.failures.by_code)
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  const parts = [
    `traffic via ${r.alias}: ${r.sessions} sessions, ${r.inputs} inputs in ${formatMs(r.elapsed_ms)} (${r.rate_per_s}/s)`,
    agents.length > 0 ? agents.join(", ") : "no agent answered",
    failed === 0 ? "0 failed calls" : `${failed} failed calls (${codes})`,
  ];
  if (r.traces !== null && "unavailable" in r.traces)
    parts.push(`traces unavailable: ${r.traces.unavailable}`);
  if (r.stopped === "fatal") parts.push(`stopped: ${r.fatal}`);
  else if (r.stopped === "aborted") parts.push("stopped early");
  return parts.join("; ");
}

export const TRAFFIC_USAGE = `Usage: agent-alias emulator traffic --alias KEY --rate R [options]

Creates sessions through an alias at a steady rate and posts one input to each, so each
yields a trace; prints a one-line summary (sessions, the split per agent with each agent's
trace errors and p95, failed calls). Works against the emulator or any API.

Options:
  --url URL          the API (default AGENT_ALIAS_API_URL, else http://127.0.0.1:8742)
  --api-key K        API key (default AGENT_ALIAS_API_KEY, else VECTARA_API_KEY)
  --alias KEY        the alias to create sessions through (required)
  --rate R           sessions per second: 50, 50/s, 3000/m (required)
  --count N          stop after N sessions
  --duration T       stop starting sessions after T: 500ms, 60s, 2m; a bare number is
                     seconds (default 60s when --count is not given)
  --metadata-from FILE
                     YAML/JSON list of session contexts (- reads standard input), used in turn: routing samples
                     ({context: {session: {metadata}}}), contexts ({session: {...}}) or
                     metadata objects ({user_id: u1, tier: gold})
  --users N          user_id from a pool of N (user-1..user-N) for sessions whose metadata
                     has none, so partition keys repeat (default 1000; 0 with
                     --metadata-from unless given)
  --seed S           seeds the user_id draws (same seed, same users per session)
  --message TEXT     the input's text (default hello)
  --concurrency N    most sessions in flight (default 64)
  --key-prefix P     session keys are P + a number (default trf_<random>_)
  --no-trace-summary do not read the run's traces afterwards
  --format human|json
                     the result as one line for people (the default, on a terminal or
                     not) or as JSON
  --json             the same as --format json
  -h, --help         show this help

Exit status: 0 when at least one session had its input answered; 1 when none had (every
session or input failed), or a call failed for good (401, 403, 404); 2 for bad options.
`;

export interface TrafficCommandIO {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  readonly cwd?: string;
  /** Read for `--metadata-from -` (default process.stdin). */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops starting sessions when aborted, as SIGINT and SIGTERM do (the summary is still printed). */
  readonly signal?: AbortSignal;
}

function whole(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,12}$/.test(raw) || Number(raw) < min)
    throw new TrafficError(`--${name} must be a whole number >= ${min}; got '${raw}'`);
  return Number(raw);
}

/** `agent-alias emulator traffic …`: resolves with the exit status (see TRAFFIC_USAGE). */
export async function runTrafficCommand(argv: readonly string[], io: TrafficCommandIO): Promise<number> {
  const env = io.env ?? process.env;
  let options: TrafficOptions;
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        url: { type: "string" },
        "api-key": { type: "string" },
        alias: { type: "string" },
        rate: { type: "string" },
        count: { type: "string" },
        duration: { type: "string" },
        "metadata-from": { type: "string" },
        users: { type: "string" },
        seed: { type: "string" },
        message: { type: "string" },
        concurrency: { type: "string" },
        "key-prefix": { type: "string" },
        "no-trace-summary": { type: "boolean" },
        json: { type: "boolean" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(TRAFFIC_USAGE);
      return 0;
    }
    if (values.format !== undefined && values.format !== "human" && values.format !== "json")
      throw new TrafficError(`--format must be one of human, json; got '${values.format}'`);
    if (positionals.length > 0) throw new TrafficError(`unexpected argument '${positionals[0]}'`);
    if (values.alias === undefined) throw new TrafficError("--alias is required");
    if (values.rate === undefined) throw new TrafficError("--rate is required (e.g. --rate 50/s)");
    const rate = parseRate(values.rate);
    if (rate === undefined)
      throw new TrafficError(`--rate: expected 50, 50/s or 3000/m; got '${values.rate}'`);
    json = values.json === true || values.format === "json";
    const apiKey = values["api-key"] ?? (env.AGENT_ALIAS_API_KEY || undefined);
    options = {
      url: values.url ?? (env.AGENT_ALIAS_API_URL || "http://127.0.0.1:8742"),
      ...(apiKey !== undefined ? { apiKey } : {}),
      clientOptions: { env: { ...env } },
      alias: values.alias,
      rate,
      traces: values["no-trace-summary"] !== true,
    };
    const count = whole("count", values.count, 1);
    if (count !== undefined) options.count = count;
    if (values.duration !== undefined) {
      const ms = parseDurationMs(values.duration, "s");
      if (ms === undefined || ms <= 0)
        throw new TrafficError(`--duration: expected 500ms, 60s, 2m; got '${values.duration}'`);
      options.durationMs = ms;
    }
    const from = values["metadata-from"];
    if (from === "-") options.contexts = contextsOfText(await readStdin(io), "-");
    else if (from !== undefined) options.contexts = readContexts(resolve(io.cwd ?? process.cwd(), from));
    const users = whole("users", values.users, 0);
    if (users !== undefined) options.users = users;
    const seed = whole("seed", values.seed, 0);
    if (seed !== undefined) options.seed = seed;
    if (values.message !== undefined) options.message = values.message;
    const concurrency = whole("concurrency", values.concurrency, 1);
    if (concurrency !== undefined) options.concurrency = concurrency;
    if (values["key-prefix"] !== undefined) options.keyPrefix = values["key-prefix"];
    checkOptions(options);
  } catch (e) {
    io.stderr.write(`agent-alias emulator traffic: ${(e as Error).message}\n\n${TRAFFIC_USAGE}`);
    return 2;
  }
  // The first signal stops starting sessions; those in flight finish and the summary is printed.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (io.signal?.aborted) stop.abort();
  else io.signal?.addEventListener("abort", onSignal, { once: true });
  let result: TrafficResult;
  try {
    result = await runTraffic({ ...options, signal: stop.signal });
  } catch (e) {
    io.stderr.write(`agent-alias emulator traffic: ${(e as Error).message}\n`);
    return (e as { code?: string }).code === "invalid_traffic" ? 2 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    io.signal?.removeEventListener("abort", onSignal);
  }
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatTrafficSummary(result)}\n`);
  if (result.stopped === "fatal") {
    io.stderr.write(`agent-alias emulator traffic: stopped: ${result.fatal}\n`);
    return 1;
  }
  if (result.inputs === 0)
    io.stderr.write(
      `agent-alias emulator traffic: no input was answered (${result.failures.sessions} session and ${result.failures.inputs} input calls failed)\n`,
    );
  return result.inputs > 0 ? 0 : 1;
}
