/**
 * What `createEmulator` takes and gives: its options with their defaults, the emulator object
 * and the running emulator on a socket. Types and constants only.
 */
import type { FaultConfig } from "../wire/index.js";
import type { ApiKeySpec, OAuthClientSpec } from "./auth.js";
import type { AgentProfileEntry } from "./profiles/index.js";
import type { SeedDocument } from "./seed.js";

export interface EmulatorOptions {
  /** Port for `listen` (0: a free one). Default 8742. */
  port?: number;
  /** Host for `listen`. Default 127.0.0.1. */
  host?: string;
  /** Journal file: every acknowledged write is on disk before its answer (journal/). */
  dataFile?: string;
  /**
   * The accepted API key (as `owner`). When neither this nor `apiKeys` is given,
   * `AGENT_ALIAS_API_KEY` from `env` is used; with none, any non-empty key is accepted (API.md).
   */
  apiKey?: string;
  /** Accepted API keys with their roles (`ci=agent_developer`, or `{key, role}`); no role is `owner`. */
  apiKeys?: readonly (string | ApiKeySpec)[];
  /** OAuth clients (`ID=SECRET[=ROLE]` or `{id, secret, role}`): enables `POST /oauth2/token`. */
  oauthClients?: readonly (string | OAuthClientSpec)[];
  /** Lifetime of issued bearer tokens, in seconds (default 1800), on the emulator's clock. */
  tokenTtlSeconds?: number;
  /** Environment to read `AGENT_ALIAS_API_KEY` from; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Agents and aliases to create at start: a YAML/JSON file path or the document itself. */
  seed?: string | SeedDocument;
  /** Faults from the start: a spec string (`rate=0.2,latency=50ms`) or a configuration. */
  faults?: string | Partial<FaultConfig>;
  /** Largest request body in bytes (413 above it). Default 1 MiB. */
  bodyLimit?: number;
  /**
   * Most sessions kept in memory (0: no limit). Past it, each new session evicts the oldest
   * stored one (it then reads as not found, like an expired session; stats still count it),
   * so a long run at full rate holds flat memory. Default DEFAULT_MAX_SESSIONS.
   */
  maxSessions?: number;
  /**
   * Most traces kept in memory (0: no limit). Past it, each new trace evicts the oldest,
   * which then reads as not found. Default DEFAULT_MAX_TRACES.
   */
  maxTraces?: number;
  /**
   * How agents behave, for their traces (profiles/): `KEY=SPEC` strings as
   * `--agent-profile` takes them (`support-v2=errors=0.08,latency=120ms..400ms`; KEY `*`:
   * every agent), or entries. They win over the seed file's profiles, setting by setting.
   */
  agentProfiles?: readonly (string | AgentProfileEntry)[];
  /**
   * Seeds the agents' draws: the same seed and the same inputs per agent give the same
   * traces. Default: a random seed.
   */
  randomSeed?: number;
  /** The clock for timestamps and `currentDate` (tests pin it). */
  clock?: () => Date;
  /** Where diagnostics go (a failed write, a torn journal tail cut off). Default: nowhere. */
  log?: (line: string) => void;
}

export const DEFAULT_PORT = 8742;
/**
 * What stored data costs in heap, measured by the soak bench (BENCHMARKS.md, "Emulator
 * soak"): a session alone, a session with one input's two events, a trace. Nothing else
 * grows with traffic, so the defaults bound the heap: about 11 MB of sessions (with an input
 * each) and 18 MB of traces.
 */
export const STORED_BYTES = Object.freeze({ session: 600, sessionWithInput: 1150, trace: 370 });
/** Sessions the emulator keeps by default: ~6 MB of heap (~11 MB with an input each). */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Traces the emulator keeps by default: about 18 MB of heap. */
export const DEFAULT_MAX_TRACES = 50_000;
export const DEFAULT_HOST = "127.0.0.1";

/** A running emulator on a socket. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly emulator: Emulator;
  /** Stops accepting, drops open connections, flushes and closes the data file. */
  close(): Promise<void>;
}

/**
 * A request served without a socket (fastify's `inject`). The package's types name no fastify
 * type, so they compile in projects whose tsconfig cannot read fastify's own (CommonJS
 * without `esModuleInterop`).
 */
export interface InjectRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A string or Buffer is sent as it is; an object as JSON. */
  payload?: string | Buffer | object;
}

/** The answer to an InjectRequest. */
export interface InjectResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The body as text; `json()` parses it. */
  body: string;
  json<T = unknown>(): T;
}

/** The HTTP app under the emulator, as far as callers may use it: which routes it serves. */
export interface EmulatorApp {
  hasRoute(route: { method: string; url: string }): boolean;
}

export interface Emulator {
  /** The HTTP app (fastify underneath). */
  readonly app: EmulatorApp;
  /** Serves one request in memory, with the same behaviour as on a socket. */
  inject(request: InjectRequest): Promise<InjectResponse>;
  /** Puts the app on a socket (options default to those given to createEmulator). */
  listen(at?: { port?: number; host?: string }): Promise<RunningEmulator>;
  /** Closes the app (and its socket, if listening) and the data file. Idempotent. */
  close(): Promise<void>;
}
