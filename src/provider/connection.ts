/**
 * Where the provider's API client comes from: provider configuration (set by `configure`,
 * from the stack config keys `agent-alias:apiUrl` and the secret `agent-alias:apiKey`), else
 * the environment (`AGENT_ALIAS_API_URL`, `VECTARA_API_KEY`). Kept in this module's state,
 * never in the serialized provider, so no credential ever reaches the Pulumi state.
 */
import { AgentAliasClient, type ClientOptions } from "../client/index.js";

export const CONFIG_KEYS = Object.freeze({ apiUrl: "agent-alias:apiUrl", apiKey: "agent-alias:apiKey" });

interface Connection {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
}

let connection: Connection = {};
let cached: AgentAliasClient | undefined;
let extra: ClientOptions = {};

/** Called from the providers' `configure`: reads the stack config. */
export function configureConnection(config: { get(key: string): string | undefined }): void {
  connection = { apiUrl: config.get(CONFIG_KEYS.apiUrl), apiKey: config.get(CONFIG_KEYS.apiKey) };
  cached = undefined;
}

/** For tests and embedding: explicit connection and client options (retries, timeouts). */
export function setConnection(c: Connection, options: ClientOptions = {}): void {
  connection = { ...c };
  extra = options;
  cached = undefined;
}

export function apiClient(): AgentAliasClient {
  cached ??= new AgentAliasClient({
    ...extra,
    baseUrl: connection.apiUrl ?? extra.baseUrl,
    apiKey: connection.apiKey ?? extra.apiKey,
  });
  return cached;
}

/** True when an API key is available (config or environment), so preview may ask the API. */
export function hasCredentials(): boolean {
  return Boolean(connection.apiKey ?? extra.apiKey ?? process.env.VECTARA_API_KEY);
}
