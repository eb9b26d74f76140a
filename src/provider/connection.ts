/**
 * Where the provider's API client comes from: provider configuration (set by `configure`,
 * from the stack config key of each connection setting, `agent-alias:apiUrl`, the secret
 * `agent-alias:apiKey`, …), else each setting's environment variable (`AGENT_ALIAS_API_URL`,
 * `VECTARA_API_KEY`, …): the settings table, client/settings.ts. Kept in this module's state,
 * never in the serialized provider, so no credential or token reaches the Pulumi state.
 */
import {
  AgentAliasClient,
  type ClientOptions,
  clientOptionsOf,
  configKey,
  SETTING_NAMES,
  type SettingName,
  type SettingValues,
} from "../client/index.js";

/** The provider's configuration: stack config key of each connection setting (the settings table). */
export const CONFIG_KEYS: Readonly<Record<SettingName, string>> = Object.freeze(
  Object.fromEntries(SETTING_NAMES.map((name) => [name, configKey(name)])) as Record<SettingName, string>,
);

export type Connection = SettingValues;

let connection: Connection = {};
let cached: AgentAliasClient | undefined;
let extra: ClientOptions = {};

/** Called from the providers' `configure`: reads the stack config. */
export function configureConnection(config: { get(key: string): string | undefined }): void {
  const c: Connection = {};
  for (const [field, key] of Object.entries(CONFIG_KEYS) as [keyof Connection, string][]) {
    const v = config.get(key);
    if (v !== undefined && v !== "") c[field] = v;
  }
  connection = c;
  cached = undefined;
}

/** For tests and embedding: explicit connection and client options (retries, timeouts). */
export function setConnection(c: Connection, options: ClientOptions = {}): void {
  connection = { ...c };
  extra = options;
  cached = undefined;
}

/** The client of this provider process: one per configuration, so an OAuth token is reused. */
export function apiClient(): AgentAliasClient {
  cached ??= new AgentAliasClient(clientOptionsOf(connection, extra));
  return cached;
}

/** True when a credential is available (config or environment), so preview may ask the API. */
export function hasCredentials(): boolean {
  try {
    return apiClient().options.credentials.kind !== "none";
  } catch {
    return false;
  }
}
