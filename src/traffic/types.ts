/**
 * The traffic generator's options and result, and its one error: the types shared by the
 * generator (run.ts), its contexts reader, its summary and the `emulator traffic` command.
 */
import type { AgentAliasClient } from "../client/client.js";
import type { ClientOptions } from "../client/options.js";

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
