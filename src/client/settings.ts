/**
 * The connection settings, declared once: where the alias API is and how to authenticate to
 * it. The client reads each setting's environment variable from here (options.ts, with its
 * precedence), and every door of the provider reads the table: the dynamic resources' stack
 * config keys (`agent-alias:apiUrl`), the native plugin's schema and CheckConfig, and the
 * Terraform provider's configuration block (`api_url`). So every door takes the same
 * settings, with the same fallbacks, under the names its users expect.
 */
import { shown } from "./redact.js";

export const DEFAULT_API_URL = "https://api.vectara.io";

/** Where OAuth 2.0 client credentials are exchanged for a bearer token (API.md **rev.**). */
export const DEFAULT_TOKEN_URL = "https://auth.vectara.io/oauth2/token";

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
}

export const SETTINGS = {
  apiUrl: {
    env: "AGENT_ALIAS_API_URL",
    secret: false,
    url: true,
    doc: "The alias API's base URL.",
    otherwise: DEFAULT_API_URL,
  },
  apiKey: { env: "VECTARA_API_KEY", secret: true, url: false, doc: "An API key (sent as x-api-key)." },
  clientId: {
    env: "VECTARA_CLIENT_ID",
    secret: false,
    url: false,
    doc: "An OAuth client id (client-credentials grant).",
  },
  clientSecret: { env: "VECTARA_CLIENT_SECRET", secret: true, url: false, doc: "The OAuth client's secret." },
  authUrl: {
    env: "VECTARA_AUTH_URL",
    secret: false,
    url: true,
    doc: "The OAuth token endpoint.",
    otherwise: DEFAULT_TOKEN_URL,
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

/** The settings in their documented order, as `[name, spec]`. */
export const settings = (): [SettingName, SettingSpec][] =>
  Object.entries(SETTINGS) as [SettingName, SettingSpec][];

/** The settings' names, in order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** `The alias API's base URL. Falls back to AGENT_ALIAS_API_URL, else https://api.vectara.io.` */
export function settingDoc(name: SettingName): string {
  const s: SettingSpec = SETTINGS[name];
  return `${s.doc} Falls back to ${s.env}${s.otherwise ? `, else ${s.otherwise}` : ""}.`;
}

/** Whether `v` is an absolute http(s) URL (the only kind the client calls). */
export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

export interface SettingCheck {
  /** The door's name for the setting in the reason (`api_url`); the table's name otherwise. */
  shownAs?: string;
  /** A door's marker for "not known yet": such a value is fine. */
  unknown?: unknown;
  /** The value was sent as a secret: never shown, whatever the table says. */
  secret?: boolean;
}

/**
 * What is wrong with a setting's value, or undefined when it is fine. Unset (undefined, null)
 * is fine: the environment applies. A secret's value (by the table, or sent as one) never
 * appears in the reason; any other value is quoted cut to a bound.
 */
export function checkSetting(name: SettingName, value: unknown, o: SettingCheck = {}): string | undefined {
  if (value === undefined || value === null || (o.unknown !== undefined && value === o.unknown))
    return undefined;
  const s: SettingSpec = SETTINGS[name];
  const as = o.shownAs ?? name;
  const got = s.secret || o.secret ? "" : `, got ${shown(value)}`;
  if (typeof value !== "string") return `${as} must be a string${got}`;
  if (s.url && value !== "" && !isHttpUrl(value))
    return `${as} must be an http(s) URL such as https://api.example.com${got}`;
  return undefined;
}
