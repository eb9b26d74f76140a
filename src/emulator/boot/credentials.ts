/**
 * Who may call the emulator: the API keys and OAuth clients of the options and of the seed
 * file; with neither, AGENT_ALIAS_API_KEY; with none, any key (as owner). The options' own
 * credentials are checked first, before a data file is locked (a bad one must not leave the
 * lock held).
 */
import {
  type ApiKeySpec,
  Credentials,
  type OAuthClientSpec,
  parseApiKeySpec,
  parseOAuthClientSpec,
} from "../auth.js";
import type { EmulatorOptions } from "../options.js";
import type { SeedDocument } from "../seed.js";

/** The credentials given as options, checked (CredentialError on a bad spec). */
export interface GivenCredentials {
  readonly apiKeys: ApiKeySpec[];
  readonly oauthClients: OAuthClientSpec[];
}

/** The API keys and OAuth clients of the options: `apiKeys`, else `apiKey`. */
export function givenCredentials(options: EmulatorOptions): GivenCredentials {
  const apiKeys = (options.apiKeys ?? []).map((k) => (typeof k === "string" ? parseApiKeySpec(k) : k));
  if (apiKeys.length === 0 && options.apiKey !== undefined && options.apiKey !== "")
    apiKeys.push({ key: options.apiKey });
  const oauthClients = (options.oauthClients ?? []).map((c) =>
    typeof c === "string" ? parseOAuthClientSpec(c) : c,
  );
  return { apiKeys, oauthClients };
}

/** AGENT_ALIAS_API_KEY, used when neither the options nor the seed name a key. */
function envKeys(options: EmulatorOptions): ApiKeySpec[] {
  const fromEnv = (options.env ?? process.env).AGENT_ALIAS_API_KEY;
  return fromEnv === undefined || fromEnv === "" ? [] : [{ key: fromEnv }];
}

/** The emulator's credentials: the options' and the seed's, on the emulator's clock. */
export function makeCredentials(
  options: EmulatorOptions,
  given: GivenCredentials,
  seed: SeedDocument | undefined,
): Credentials {
  const clock = options.clock;
  return new Credentials({
    // The keys of the options and the seed; with neither, AGENT_ALIAS_API_KEY; with none, any.
    apiKeys:
      given.apiKeys.length > 0 || seed?.api_keys?.length
        ? [...given.apiKeys, ...(seed?.api_keys ?? [])]
        : envKeys(options),
    oauthClients: [...given.oauthClients, ...(seed?.oauth_clients ?? [])],
    tokenTtlSeconds: options.tokenTtlSeconds,
    now: clock ? () => clock().getTime() : Date.now,
  });
}
