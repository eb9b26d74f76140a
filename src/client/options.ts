/** Client options, their defaults and limits, in one frozen place. */
import type { ClientOptions, RetryOptions } from "./option-types.js";
import { DEFAULT_API_URL, DEFAULT_TOKEN_URL, isHttpUrl, SETTINGS } from "./settings.js";

export type { ClientOptions, RetryOptions };
export { DEFAULT_API_URL, DEFAULT_TOKEN_URL, isHttpUrl };

export const CLIENT_DEFAULTS = Object.freeze({
  /** Per-attempt timeout: connect, headers and body. */
  timeoutMs: 30_000,
  /** Attempts per call, the first included. */
  maxAttempts: 6,
  /** Backoff base and cap (full jitter: a random delay in [0, min(cap, base * 2^n)]). */
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  /** No retry starts once this much time has passed since the first attempt. */
  maxTotalMs: 60_000,
  /** A Retry-After longer than this is not waited for (the error is returned instead). */
  maxRetryAfterMs: 30_000,
});

/**
 * How `missingAgents` asks about agents: at most `concurrent` reads at a time, and past
 * `listFrom` agents to ask about, one listing of every agent (pages of 100) instead.
 */
export const AGENT_LOOKUP = Object.freeze({ concurrent: 8, listFrom: 16 });

/** How calls authenticate: an API key, OAuth client credentials, or nothing (the API answers 401). */
export type Credentials =
  | { kind: "api_key"; apiKey: string }
  | { kind: "oauth"; clientId: string; clientSecret: string; tokenUrl: string }
  | { kind: "none" };

export interface ResolvedOptions {
  baseUrl: string;
  credentials: Credentials;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  onRetry: ClientOptions["onRetry"];
}

function httpUrl(what: string, raw: string): string {
  const url = raw.replace(/\/+$/, "");
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new TypeError(`invalid ${what} ${JSON.stringify(url)}: expected http(s)://host[:port]`);
  }
  return url;
}

/**
 * The credentials: an API key given as an option; else client credentials when either half is
 * given as an option (the other half may come from the environment); else VECTARA_API_KEY;
 * else VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET. A client id without its secret, or a
 * secret without its id, is an error naming the missing one. The secret is not enumerable.
 */
function resolveCredentials(o: ClientOptions, env: Record<string, string | undefined>): Credentials {
  if (o.apiKey) return { kind: "api_key", apiKey: o.apiKey };
  const envKey = env[SETTINGS.apiKey.env];
  // Each half of the client credentials by its own precedence: the option, then the environment.
  const id = o.clientId || (o.clientSecret || !envKey ? env[SETTINGS.clientId.env] : undefined);
  const secret = o.clientSecret || (o.clientId || !envKey ? env[SETTINGS.clientSecret.env] : undefined);
  if (!id && !secret) return envKey ? { kind: "api_key", apiKey: envKey } : { kind: "none" };
  if (!id)
    throw new TypeError(
      `an OAuth client secret is set but no client id (clientId, ${SETTINGS.clientId.env})`,
    );
  if (!secret)
    throw new TypeError(
      `an OAuth client id is set but no client secret (clientSecret, ${SETTINGS.clientSecret.env})`,
    );
  const tokenUrl = httpUrl("token URL", o.tokenUrl || env[SETTINGS.authUrl.env] || DEFAULT_TOKEN_URL);
  const c = { kind: "oauth" as const, clientId: id, tokenUrl } as Extract<Credentials, { kind: "oauth" }>;
  // Kept out of JSON.stringify and util.inspect of the options.
  Object.defineProperty(c, "clientSecret", { value: secret, enumerable: false });
  return c;
}

export function resolveOptions(o: ClientOptions = {}): ResolvedOptions {
  const env = o.env ?? process.env;
  return {
    baseUrl: httpUrl("API URL", o.baseUrl ?? env[SETTINGS.apiUrl.env] ?? DEFAULT_API_URL),
    credentials: resolveCredentials(o, env),
    timeoutMs: o.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
    retry: {
      maxAttempts: o.retry?.maxAttempts ?? CLIENT_DEFAULTS.maxAttempts,
      baseDelayMs: o.retry?.baseDelayMs ?? CLIENT_DEFAULTS.baseDelayMs,
      maxDelayMs: o.retry?.maxDelayMs ?? CLIENT_DEFAULTS.maxDelayMs,
      maxTotalMs: o.retry?.maxTotalMs ?? CLIENT_DEFAULTS.maxTotalMs,
      maxRetryAfterMs: o.retry?.maxRetryAfterMs ?? CLIENT_DEFAULTS.maxRetryAfterMs,
    },
    onRetry: o.onRetry,
  };
}
