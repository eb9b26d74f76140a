/**
 * The typed client of the agent alias API (API.md): agents, aliases, policies, sessions and
 * events. Answers are validated with the wire schemas; failures are ApiErrors with a stable
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
  agentListSchema,
  agentSchema,
  aliasListSchema,
  aliasSchema,
  type CreateAgentBody,
  type CreateAliasBody,
  type CreateEventBody,
  type CreateSessionBody,
  canonicalDocument,
  type EventList,
  type EventsCreated,
  eventListSchema,
  eventsCreatedSchema,
  type Operation,
  type PatchAgentBody,
  type PatchAliasBody,
  type PatchSessionBody,
  SESSION_SECRETS,
  type Session,
  type SessionList,
  sessionListSchema,
  sessionSchema,
} from "../wire/index.js";
import { authFor } from "./auth.js";
import { ApiError, isApiError } from "./errors.js";
import { type Auth, type CallSpec, call } from "./http.js";
import { type ClientOptions, type ResolvedOptions, resolveOptions } from "./options.js";

const seg = encodeURIComponent;
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

export type SessionPath = { aliasKey: string; agentKey?: never } | { agentKey: string; aliasKey?: never };

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

  private call<T>(spec: CallSpec<T>): Promise<T> {
    return call(this.options, spec, this.auth);
  }

  /**
   * A keyed create: retried like an idempotent call; a 409 after more than one attempt is
   * resolved by reading the object back and comparing it with what was sent.
   */
  private async keyedCreate<T extends Record<string, unknown>>(
    operation: Operation,
    path: string,
    body: Record<string, unknown>,
    schema: z.ZodType<T>,
    readBack: () => Promise<T>,
    /** What the API answers for what was sent (write-only fields come back masked). */
    asAnswered: (sent: Record<string, unknown>) => Record<string, unknown> = (sent) => sent,
  ): Promise<T> {
    try {
      return await this.call({ method: "POST", path, body, schema, idempotent: true, operation });
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
    if (body.key === undefined)
      return this.call({
        method: "POST",
        path: "/v2/agents",
        body,
        schema: agentSchema,
        idempotent: false,
        operation: "agents.create",
      });
    return this.keyedCreate("agents.create", "/v2/agents", body, agentSchema, () => this.getAgent(body.key!));
  }
  getAgent(key: string): Promise<Agent> {
    return this.call({
      method: "GET",
      path: `/v2/agents/${seg(key)}`,
      schema: agentSchema,
      idempotent: true,
      operation: "agents.get",
    });
  }
  listAgents(q: { limit?: number; page_key?: string } = {}): Promise<AgentList> {
    return this.call({
      method: "GET",
      path: `/v2/agents${query(q)}`,
      schema: agentListSchema,
      idempotent: true,
      operation: "agents.list",
    });
  }
  async *allAgents(limit = 100): AsyncGenerator<Agent> {
    let page_key: string | undefined;
    do {
      const page = await this.listAgents({ limit, ...(page_key ? { page_key } : {}) });
      yield* page.agents;
      page_key = page.metadata.page_key;
    } while (page_key);
  }
  patchAgent(key: string, body: PatchAgentBody): Promise<Agent> {
    return this.call({
      method: "PATCH",
      path: `/v2/agents/${seg(key)}`,
      body,
      schema: agentSchema,
      idempotent: true,
      operation: "agents.patch",
    });
  }
  deleteAgent(key: string): Promise<void> {
    return this.call({
      method: "DELETE",
      path: `/v2/agents/${seg(key)}`,
      schema: noBody,
      idempotent: true,
      operation: "agents.delete",
    }).then(() => undefined);
  }

  // Aliases

  createAlias(body: CreateAliasBody): Promise<Alias> {
    return this.keyedCreate("aliases.create", "/v2/agent_aliases", body, aliasSchema, () =>
      this.getAlias(body.key),
    );
  }
  getAlias(key: string): Promise<Alias> {
    return this.call({
      method: "GET",
      path: `/v2/agent_aliases/${seg(key)}`,
      schema: aliasSchema,
      idempotent: true,
      operation: "aliases.get",
    });
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
    return this.call({
      method: "GET",
      path: `/v2/agent_aliases${query(q)}`,
      schema: aliasListSchema,
      idempotent: true,
      operation: "aliases.list",
    });
  }
  async *allAliases(q: Omit<AliasQuery, "page_key" | "limit"> = {}): AsyncGenerator<Alias> {
    let page_key: string | undefined;
    do {
      const page = await this.listAliases({ ...q, limit: 100, ...(page_key ? { page_key } : {}) });
      yield* page.aliases;
      page_key = page.metadata.page_key;
    } while (page_key);
  }
  patchAlias(key: string, body: PatchAliasBody): Promise<Alias> {
    return this.call({
      method: "PATCH",
      path: `/v2/agent_aliases/${seg(key)}`,
      body,
      schema: aliasSchema,
      idempotent: true,
      operation: "aliases.patch",
    });
  }
  replacePolicy(key: string, policy: CreateAliasBody["policy"]): Promise<Alias> {
    return this.call({
      method: "PUT",
      path: `/v2/agent_aliases/${seg(key)}/policy`,
      body: { policy },
      schema: aliasSchema,
      idempotent: true,
      operation: "aliases.replacePolicy",
    });
  }
  deleteAlias(key: string): Promise<void> {
    return this.call({
      method: "DELETE",
      path: `/v2/agent_aliases/${seg(key)}`,
      schema: noBody,
      idempotent: true,
      operation: "aliases.delete",
    }).then(() => undefined);
  }

  // Sessions and events

  private sessionsPath(p: SessionPath): string {
    return p.aliasKey !== undefined
      ? `/v2/agent_aliases/${seg(p.aliasKey)}/sessions`
      : `/v2/agents/${seg(p.agentKey!)}/sessions`;
  }

  /**
   * Creates a session (through an alias, it is routed). Without a `key` the server makes one,
   * so the call is not repeated after an unknown outcome (a retry could create a second one).
   */
  createSession(p: SessionPath, body: CreateSessionBody = {}): Promise<Session> {
    const path = this.sessionsPath(p);
    if (body.key === undefined)
      return this.call({
        method: "POST",
        path,
        body,
        schema: sessionSchema,
        idempotent: false,
        operation: "sessions.create",
      });
    return this.keyedCreate(
      "sessions.create",
      path,
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
    return this.call({
      method: "GET",
      path: `${this.sessionsPath(p)}/${seg(key)}`,
      schema: sessionSchema,
      idempotent: true,
      operation: "sessions.get",
    });
  }
  /** `filter`: a regular expression over name and description. */
  listSessions(
    p: SessionPath,
    q: { limit?: number; page_key?: string; filter?: string } = {},
  ): Promise<SessionList> {
    return this.call({
      method: "GET",
      path: `${this.sessionsPath(p)}${query(q)}`,
      schema: sessionListSchema,
      idempotent: true,
      operation: "sessions.list",
    });
  }
  /** Replaces the fields named (metadata whole); secrets merge by name, `null` removes one. */
  patchSession(p: SessionPath, key: string, body: PatchSessionBody): Promise<Session> {
    return this.call({
      method: "PATCH",
      path: `${this.sessionsPath(p)}/${seg(key)}`,
      body,
      schema: sessionSchema,
      idempotent: true,
      operation: "sessions.patch",
    });
  }
  deleteSession(p: SessionPath, key: string): Promise<void> {
    return this.call({
      method: "DELETE",
      path: `${this.sessionsPath(p)}/${seg(key)}`,
      schema: noBody,
      idempotent: true,
      operation: "sessions.delete",
    }).then(() => undefined);
  }
  createEvent(p: SessionPath, sessionKey: string, body: CreateEventBody): Promise<EventsCreated> {
    return this.call({
      method: "POST",
      path: `${this.sessionsPath(p)}/${seg(sessionKey)}/events`,
      body,
      schema: eventsCreatedSchema,
      idempotent: false,
      operation: "events.create",
    });
  }
  listEvents(p: SessionPath, sessionKey: string): Promise<EventList> {
    return this.call({
      method: "GET",
      path: `${this.sessionsPath(p)}/${seg(sessionKey)}/events`,
      schema: eventListSchema,
      idempotent: true,
      operation: "events.list",
    });
  }
}

export { ApiError };
