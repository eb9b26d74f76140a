/**
 * The typed client of the agent alias API (API.md): agents, aliases, policies, sessions,
 * events and traces. Answers are validated with the wire schemas; failures are ApiErrors with a stable
 * `code`. Keyed creates are retried, and a 409 met on a retry counts as success only when
 * reading the object back shows exactly what this client sent (its own earlier write).
 */
import { z } from "zod";
import {
  type Agent,
  type AgentList,
  type Alias,
  type AliasList,
  type AliasListQuery,
  API_ROUTES,
  agentListSchema,
  agentSchema,
  aliasListSchema,
  aliasSchema,
  type CreateAgentBody,
  type CreateAliasBody,
  type CreateEventBody,
  type CreateSessionBody,
  canonicalDocument,
  EMULATOR_CONTROLS,
  type EmulatorStats,
  type EventList,
  type EventsCreated,
  emulatorStatsSchema,
  eventListSchema,
  eventsCreatedSchema,
  type ListMetadata,
  type Operation,
  type PatchAgentBody,
  type PatchAliasBody,
  type PatchSessionBody,
  type PathParams,
  routePath,
  SESSION_SECRETS,
  type Session,
  type SessionList,
  sessionListSchema,
  sessionSchema,
  type Trace,
  type TraceList,
  type TraceListQuery,
  traceListSchema,
  traceSchema,
} from "../wire/index.js";
import { authFor } from "./auth.js";
import { ApiError, isApiError } from "./errors.js";
import { type Auth, type CallSpec, call } from "./http.js";
import { AGENT_LOOKUP, type ClientOptions, type ResolvedOptions, resolveOptions } from "./options.js";

const noBody = z.unknown();

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

/** True when every field of `sent` has the same value in `stored`. */
export function sameFields(sent: Record<string, unknown>, stored: Record<string, unknown>): boolean {
  return Object.entries(sent).every(
    ([k, v]) => v === undefined || canonicalDocument(v) === canonicalDocument(stored[k]),
  );
}

/** List query as the client takes it (the wire type is the server's view: strings). */
export type AliasQuery = Omit<AliasListQuery, "limit" | "enabled"> & { limit?: number; enabled?: boolean };

/**
 * Trace list query as the client takes it: the API's filters (API.md "Traces"), with numbers
 * as numbers and instants as a Date or an RFC 3339 string. `started_after` is inclusive and
 * `started_before` exclusive on the emulator *(ours)*.
 */
export type TraceQuery = Omit<
  TraceListQuery,
  "limit" | "min_duration_ms" | "max_duration_ms" | "started_after" | "started_before"
> & {
  limit?: number;
  min_duration_ms?: number;
  max_duration_ms?: number;
  started_after?: string | Date;
  started_before?: string | Date;
};

function traceQuery(q: TraceQuery): string {
  const instant = (v: string | Date | undefined) => (v instanceof Date ? v.toISOString() : v);
  return query({ ...q, started_after: instant(q.started_after), started_before: instant(q.started_before) });
}

export type SessionPath = { aliasKey: string; agentKey?: never } | { agentKey: string; aliasKey?: never };

/** The path parameters of the alias or agent a session is reached through. */
function sessionBase(p: SessionPath): { alias_key: string } | { agent_key: string } {
  return p.aliasKey !== undefined ? { alias_key: p.aliasKey } : { agent_key: p.agentKey! };
}

/** The path parameters of one session, reached through its alias or agent. */
function sessionAt(p: SessionPath, sessionKey: string) {
  return { ...sessionBase(p), session_key: sessionKey };
}

/** One call of an operation: its method and path come from the route table (wire/routes.ts). */
interface OperationCall<O extends Operation, T> {
  params: PathParams<O>;
  query?: string;
  body?: unknown;
  schema: z.ZodType<T>;
  idempotent: boolean;
}

function callSpec<O extends Operation, T>(operation: O, c: OperationCall<O, T>): CallSpec<T> {
  return {
    method: API_ROUTES[operation].method,
    path: routePath(operation, c.params) + (c.query ?? ""),
    ...(c.body !== undefined ? { body: c.body } : {}),
    schema: c.schema,
    idempotent: c.idempotent,
    operation,
  };
}

/**
 * Every item of a list, page after page: the items are each page's `items` (its list key);
 * `page` is asked with each page's cursor (none for the first) until a page names no next one.
 */
async function* everyItem<K extends string, T>(
  items: K,
  page: (cursor: { page_key?: string }) => Promise<{ metadata: ListMetadata } & { [k in K]: readonly T[] }>,
): AsyncGenerator<T> {
  let page_key: string | undefined;
  do {
    const p = await page(page_key ? { page_key } : {});
    yield* p[items];
    page_key = p.metadata.page_key;
  } while (page_key);
}

export class AgentAliasClient {
  readonly options: ResolvedOptions;
  /** The credential every call presents (an OAuth client's tokens are shared by all calls). */
  readonly auth: Auth;

  constructor(options: ClientOptions = {}) {
    this.options = resolveOptions(options);
    this.auth = authFor(this.options);
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  private call<O extends Operation, T>(operation: O, c: OperationCall<O, T>): Promise<T> {
    return call(this.options, callSpec(operation, c), this.auth);
  }

  /**
   * A call of an operation: `body` for a write, `query` for a list. Repeated after an unknown
   * outcome unless it is a POST, which here is a create without a key (a retry could create a
   * second one); keyed creates are keyedCreate's.
   */
  private send<O extends Operation, T>(
    operation: O,
    params: PathParams<O>,
    schema: z.ZodType<T>,
    c: { body?: unknown; query?: string } = {},
  ): Promise<T> {
    return this.call(operation, {
      params,
      ...c,
      schema,
      idempotent: API_ROUTES[operation].method !== "POST",
    });
  }

  /** A DELETE, safe to repeat. */
  private async remove<O extends Operation>(operation: O, params: PathParams<O>): Promise<void> {
    await this.send(operation, params, noBody);
  }

  /**
   * A keyed create: retried like an idempotent call; a 409 after more than one attempt is
   * resolved by reading the object back and comparing it with what was sent.
   */
  private async keyedCreate<O extends Operation, T extends Record<string, unknown>>(
    operation: O,
    params: PathParams<O>,
    body: Record<string, unknown>,
    schema: z.ZodType<T>,
    readBack: () => Promise<T>,
    /** What the API answers for what was sent (write-only fields come back masked). */
    asAnswered: (sent: Record<string, unknown>) => Record<string, unknown> = (sent) => sent,
  ): Promise<T> {
    try {
      return await this.call(operation, { params, body, schema, idempotent: true });
    } catch (e) {
      if (!isApiError(e, "conflict") || e.attempts < 2) throw e;
      // A key that may create but not read (agent_user and sessions) keeps the 409.
      const stored = await readBack().catch(() => undefined);
      if (stored !== undefined && sameFields(asAnswered(body), stored)) return stored;
      throw e;
    }
  }

  // Agents

  createAgent(body: CreateAgentBody): Promise<Agent> {
    if (body.key === undefined) return this.send("agents.create", {}, agentSchema, { body });
    return this.keyedCreate("agents.create", {}, body, agentSchema, () => this.getAgent(body.key!));
  }
  getAgent(key: string): Promise<Agent> {
    return this.send("agents.get", { agent_key: key }, agentSchema);
  }
  listAgents(q: { limit?: number; page_key?: string } = {}): Promise<AgentList> {
    return this.send("agents.list", {}, agentListSchema, { query: query(q) });
  }
  allAgents(limit = 100): AsyncGenerator<Agent> {
    return everyItem("agents", (cursor) => this.listAgents({ limit, ...cursor }));
  }
  /**
   * Which of `keys` name no agent, in their order; each asked about once. At most
   * AGENT_LOOKUP.concurrent reads at a time, and past AGENT_LOOKUP.listFrom keys to ask about,
   * one listing of every agent instead of a read each, so the calls are bounded by the
   * account's agents, not by the keys. `known` (agents known to exist) skips those and gains
   * the ones found. Any failure but a 404 rejects.
   */
  async missingAgents(keys: Iterable<string>, known: Set<string> = new Set()): Promise<string[]> {
    const ask = [...new Set(keys)].filter((k) => !known.has(k));
    if (ask.length > AGENT_LOOKUP.listFrom) {
      for await (const agent of this.allAgents()) known.add(agent.key);
    } else {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ask.length) {
          const key = ask[next++]!;
          try {
            await this.getAgent(key);
            known.add(key);
          } catch (e) {
            if (!isApiError(e, "not_found")) throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(AGENT_LOOKUP.concurrent, ask.length) }, worker));
    }
    return ask.filter((k) => !known.has(k));
  }
  patchAgent(key: string, body: PatchAgentBody): Promise<Agent> {
    return this.send("agents.patch", { agent_key: key }, agentSchema, { body });
  }
  deleteAgent(key: string): Promise<void> {
    return this.remove("agents.delete", { agent_key: key });
  }

  // Aliases

  createAlias(body: CreateAliasBody): Promise<Alias> {
    return this.keyedCreate("aliases.create", {}, body, aliasSchema, () => this.getAlias(body.key));
  }
  getAlias(key: string): Promise<Alias> {
    return this.send("aliases.get", { alias_key: key }, aliasSchema);
  }
  /** The alias, or null when the API answers 404. */
  async findAlias(key: string): Promise<Alias | null> {
    try {
      return await this.getAlias(key);
    } catch (e) {
      if (isApiError(e, "not_found")) return null;
      throw e;
    }
  }
  listAliases(q: AliasQuery = {}): Promise<AliasList> {
    return this.send("aliases.list", {}, aliasListSchema, { query: query(q) });
  }
  allAliases(q: Omit<AliasQuery, "page_key" | "limit"> = {}): AsyncGenerator<Alias> {
    return everyItem("aliases", (cursor) => this.listAliases({ ...q, limit: 100, ...cursor }));
  }
  patchAlias(key: string, body: PatchAliasBody): Promise<Alias> {
    return this.send("aliases.patch", { alias_key: key }, aliasSchema, { body });
  }
  replacePolicy(key: string, policy: CreateAliasBody["policy"]): Promise<Alias> {
    return this.send("aliases.replacePolicy", { alias_key: key }, aliasSchema, { body: { policy } });
  }
  deleteAlias(key: string): Promise<void> {
    return this.remove("aliases.delete", { alias_key: key });
  }

  // Sessions and events

  /**
   * Creates a session (through an alias, it is routed). Without a `key` the server makes one,
   * so the call is not repeated after an unknown outcome (a retry could create a second one).
   */
  createSession(p: SessionPath, body: CreateSessionBody = {}): Promise<Session> {
    const params = sessionBase(p);
    if (body.key === undefined) return this.send("sessions.create", params, sessionSchema, { body });
    return this.keyedCreate(
      "sessions.create",
      params,
      body,
      sessionSchema,
      () => this.getSession(p, body.key!),
      // Secrets are write-only: the API answers each value masked.
      (sent) =>
        sent.secrets === undefined
          ? sent
          : {
              ...sent,
              secrets: Object.fromEntries(
                Object.keys(sent.secrets as object).map((k) => [k, SESSION_SECRETS.mask]),
              ),
            },
    );
  }
  getSession(p: SessionPath, key: string): Promise<Session> {
    return this.send("sessions.get", sessionAt(p, key), sessionSchema);
  }
  /** `filter`: a regular expression over name and description. */
  listSessions(
    p: SessionPath,
    q: { limit?: number; page_key?: string; filter?: string } = {},
  ): Promise<SessionList> {
    return this.send("sessions.list", sessionBase(p), sessionListSchema, { query: query(q) });
  }
  /** Replaces the fields named (metadata whole); secrets merge by name, `null` removes one. */
  patchSession(p: SessionPath, key: string, body: PatchSessionBody): Promise<Session> {
    return this.send("sessions.patch", sessionAt(p, key), sessionSchema, { body });
  }
  deleteSession(p: SessionPath, key: string): Promise<void> {
    return this.remove("sessions.delete", sessionAt(p, key));
  }
  createEvent(p: SessionPath, sessionKey: string, body: CreateEventBody): Promise<EventsCreated> {
    return this.send("events.create", sessionAt(p, sessionKey), eventsCreatedSchema, { body });
  }
  listEvents(p: SessionPath, sessionKey: string): Promise<EventList> {
    return this.send("events.list", sessionAt(p, sessionKey), eventListSchema);
  }

  // Traces

  /** One page of traces, newest first, filtered (API.md "Traces"). */
  listTraces(q: TraceQuery = {}): Promise<TraceList> {
    return this.send("traces.list", {}, traceListSchema, { query: traceQuery(q) });
  }
  /** Every trace that matches, newest first, 100 a page; a failed page (after retries) throws. */
  allTraces(q: Omit<TraceQuery, "page_key" | "limit"> = {}): AsyncGenerator<Trace> {
    return everyItem("traces", (cursor) => this.listTraces({ ...q, limit: 100, ...cursor }));
  }
  /** One trace; an ApiError `not_found` when the API does not know it. */
  getTrace(traceId: string): Promise<Trace> {
    return this.send("traces.get", { trace_id: traceId }, traceSchema);
  }

  // The emulator's own calls (API.md "What the emulator adds")

  /** The emulator's usage statistics; null when the API is not the emulator (it answers 404). */
  async emulatorStats(): Promise<EmulatorStats | null> {
    const { method, path } = EMULATOR_CONTROLS.stats;
    try {
      return await call(
        this.options,
        { method, path, schema: emulatorStatsSchema, idempotent: true },
        this.auth,
      );
    } catch (e) {
      if (isApiError(e, "not_found")) return null;
      throw e;
    }
  }
}

export { ApiError };
