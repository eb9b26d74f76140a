/**
 * What a rollout reads of the API (`RolloutApi`): the alias as it is served (where the rollout
 * is), the traces of an agent in a time range, and the alias's sessions a page at a time (whose
 * traces a gate keeps). `clientRolloutApi` implements it over the typed client and counts the
 * HTTP calls it makes, so a report can say what each check cost.
 */
import type { AgentAliasClient } from "../client/client.js";
import type { Policy } from "../policy/index.js";
import type { AliasFields } from "./cohort.js";
import type { SessionPageReader } from "./sessions.js";
import type { ApiTrace } from "./traces.js";

/** The alias as the API serves it: its routing fields and policy. */
export interface ServedAlias extends AliasFields {
  readonly policy: Policy;
}

/** Reads the traces of one agent with `start <= started_at < end` (ms since the epoch). */
export type TraceReader = (query: {
  agentKey: string;
  start: number;
  end: number;
}) => Promise<readonly ApiTrace[]>;

export interface RolloutApi {
  /** The alias, or null when the API has none by that key. */
  alias(key: string): Promise<ServedAlias | null>;
  traces: TraceReader;
  /** One page of the alias's sessions. */
  sessions(aliasKey: string): SessionPageReader;
  /** HTTP calls made so far (undefined: not counted). */
  calls?(): number;
  /** The same, by what they read. */
  callsBy?(): { alias: number; traces: number; sessions: number };
}

/** A RolloutApi over the client: every page of a trace listing, 100 a page; sessions 100 a page. */
export function clientRolloutApi(client: AgentAliasClient): RolloutApi {
  const by = { alias: 0, traces: 0, sessions: 0 };
  return {
    async alias(key) {
      by.alias++;
      const a = await client.findAlias(key);
      return a === null
        ? null
        : { key: a.key, name: a.name, description: a.description, metadata: a.metadata, policy: a.policy };
    },
    async traces({ agentKey, start, end }) {
      const out: ApiTrace[] = [];
      let page_key: string | undefined;
      do {
        by.traces++;
        const page = await client.listTraces({
          agent_key: agentKey,
          started_after: new Date(start),
          started_before: new Date(end),
          limit: 100,
          ...(page_key === undefined ? {} : { page_key }),
        });
        out.push(...page.traces);
        page_key = page.metadata.page_key;
      } while (page_key);
      return out;
    },
    sessions(aliasKey) {
      return async (pageKey) => {
        by.sessions++;
        const page = await client.listSessions(
          { aliasKey },
          { limit: 100, ...(pageKey === undefined ? {} : { page_key: pageKey }) },
        );
        return { sessions: page.sessions, next: page.metadata.page_key };
      };
    },
    calls: () => by.alias + by.traces + by.sessions,
    callsBy: () => ({ ...by }),
  };
}
