/**
 * The connection settings, declared once: where the alias API is and how to authenticate to
 * it. Each entry gives the setting's name (also its stack config key, `agent-alias:<name>`),
 * the environment variable the client falls back to, whether it is secret, whether it holds a
 * URL, its default, its description and the client option it sets. Every consumer reads this
 * table: the client's environment fallbacks (options.ts), the dynamic provider's stack config
 * (provider/connection.ts), the native plugin's schema and CheckConfig (native/), and the
 * rollout's reading of the stack config (rollout/stack.ts, cli/rollout.ts), and the Terraform
 * provider's configuration block (terraform/, `api_url`).
 */
import type { ClientOptions } from "./option-types.js";
import { shown as shownValue } from "./redact.js";

export const DEFAULT_API_URL = "https://api.vectara.io";

/** Where OAuth 2.0 client credentials are exchanged for a bearer token (API.md **rev.**). */
export const DEFAULT_TOKEN_URL = "https://auth.vectara.io/oauth2/token";

/** The namespace of the settings' stack config keys (`agent-alias:apiUrl`). */
export const CONFIG_NAMESPACE = "agent-alias";

/** What the settings are, in a few words (every door's documentation of its provider configuration). */
export const SETTINGS_DOC = "where the alias API is and how to authenticate to it.";

export interface SettingSpec {
  /** The environment variable the client reads when the setting is not given. */
  readonly env: string;
  /** Never shown: stored as a secret (Pulumi), sensitive (Terraform), left out of messages. */
  readonly secret: boolean;
  /** Holds an http(s) URL. */
  readonly url: boolean;
  /** One line for documentation and the schemas; the fallback is added where it is shown. */
  readonly doc: string;
  /** What happens when neither the setting nor its variable is given, if anything. */
  readonly otherwise?: string;
  /** The client option the setting gives. */
  readonly option: "baseUrl" | "apiKey" | "clientId" | "clientSecret" | "tokenUrl";
}

export const SETTINGS = {
  apiUrl: {
    env: "AGENT_ALIAS_API_URL",
    secret: false,
    url: true,
    doc: "The alias API's base URL.",
    otherwise: DEFAULT_API_URL,
    option: "baseUrl",
  },
  apiKey: {
    env: "VECTARA_API_KEY",
    secret: true,
    url: false,
    doc: "An API key (sent as x-api-key).",
    option: "apiKey",
  },
  clientId: {
    env: "VECTARA_CLIENT_ID",
    secret: false,
    url: false,
    doc: "An OAuth client id (client-credentials grant).",
    option: "clientId",
  },
  clientSecret: {
    env: "VECTARA_CLIENT_SECRET",
    secret: true,
    url: false,
    doc: "The OAuth client's secret.",
    option: "clientSecret",
  },
  // Not "tokenUrl": the Pulumi CLI takes a config key naming a token for a secret and asks for --secret.
  authUrl: {
    env: "VECTARA_AUTH_URL",
    secret: false,
    url: true,
    doc: "The OAuth token endpoint.",
    otherwise: DEFAULT_TOKEN_URL,
    option: "tokenUrl",
  },
} as const satisfies Record<string, SettingSpec & { option: keyof ClientOptions }>;

export type SettingName = keyof typeof SETTINGS;

/** The settings in their documented order, as `[name, spec]`. */
export const settings = (): [SettingName, SettingSpec][] =>
  Object.entries(SETTINGS) as [SettingName, SettingSpec][];

/** The settings' names, in order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** A setting's stack config key: `agent-alias:apiUrl`. */
export const configKey = (name: SettingName): string => `${CONFIG_NAMESPACE}:${name}`;

/** Values of some settings, by name (a connection). */
export type SettingValues = { [K in SettingName]?: string | undefined };

/** Whether `v` is an absolute http(s) URL (the only kind the client calls). */
export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** `The alias API's base URL. Falls back to AGENT_ALIAS_API_URL, else https://api.vectara.io.` */
export function settingDoc(name: SettingName): string {
  const s: SettingSpec = SETTINGS[name];
  return `${s.doc} Falls back to ${s.env}${s.otherwise ? `, else ${s.otherwise}` : ""}.`;
}

/**
 * The client options the given settings make, each under its option's name; a setting not
 * given is absent (the client then reads its variable). `base` gives the options a setting
 * leaves unset (retries, timeouts, and a default for each setting).
 */
export function clientOptionsOf(values: SettingValues, base: ClientOptions = {}): ClientOptions {
  const out: ClientOptions = { ...base };
  for (const [name, s] of settings()) {
    const v = values[name];
    if (v !== undefined) out[s.option] = v;
  }
  return out;
}

/**
 * What is wrong with a setting's value, worded with `shownAs` (the door's name for it), or
 * undefined when it is fine. Unset (undefined, null) is fine: the environment applies. A
 * secret's value (by the table, or `sentSecret`) never appears in the reason. `unknown`
 * values (a door's marker for "not known yet") are fine too.
 */
export function checkSetting(
  name: SettingName,
  value: unknown,
  shownAs: string = name,
  unknown?: unknown,
  sentSecret = false,
): string | undefined {
  if (value === undefined || value === null || (unknown !== undefined && value === unknown)) return undefined;
  const s: SettingSpec = SETTINGS[name];
  const shown = s.secret || sentSecret ? "" : `, got ${shownValue(value)}`;
  if (typeof value !== "string") return `${shownAs} must be a string${shown}`;
  if (s.url && value !== "" && !isHttpUrl(value))
    return `${shownAs} must be an http(s) URL such as https://api.example.com${shown}`;
  return undefined;
}
