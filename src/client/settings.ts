/**
 * The connection settings, declared once: where the alias API is and how to authenticate to
 * it. The client reads each setting's environment variable from here (options.ts, with its
 * precedence), and every door of the provider reads the table: the dynamic resources' stack
 * config keys (`agent-alias:apiUrl`), the native plugin's schema and CheckConfig, and the
 * Terraform provider's configuration block (`api_url`). So every door takes the same
 * settings, with the same fallbacks, under the names its users expect.
 */

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

const isHttpUrl = (v: string): boolean => {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
};

/**
 * What is wrong with a setting's value, worded with `shownAs` (the door's name for it), or
 * undefined when it is fine. Unset (undefined, null) is fine: the environment applies. A
 * secret's value never appears in the reason. `unknown` values (a door's marker for "not
 * known yet") are fine too.
 */
export function checkSetting(
  name: SettingName,
  value: unknown,
  shownAs: string = name,
  unknown?: unknown,
): string | undefined {
  if (value === undefined || value === null || (unknown !== undefined && value === unknown)) return undefined;
  const s: SettingSpec = SETTINGS[name];
  const shown = s.secret ? "" : `, got ${JSON.stringify(value)}`;
  if (typeof value !== "string") return `${shownAs} must be a string${shown}`;
  if (s.url && value !== "" && !isHttpUrl(value))
    return `${shownAs} must be an http(s) URL such as https://api.example.com${shown}`;
  return undefined;
}
