/** Client options, their defaults and limits, in one frozen place. */

export const DEFAULT_API_URL = "https://api.vectara.io";

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

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxTotalMs?: number;
  maxRetryAfterMs?: number;
}

export interface ClientOptions {
  /** Base URL; else AGENT_ALIAS_API_URL; else https://api.vectara.io. */
  baseUrl?: string | undefined;
  /** API key, sent as `x-api-key`; else VECTARA_API_KEY. */
  apiKey?: string | undefined;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
  /** Called before each retry (for logging); not called for the first attempt. */
  onRetry?:
    | ((info: { method: string; url: string; attempt: number; delayMs: number; reason: string }) => void)
    | undefined;
  /** Environment to read defaults from (tests pass their own). */
  env?: Record<string, string | undefined> | undefined;
}

export interface ResolvedOptions {
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  onRetry: ClientOptions["onRetry"];
}

export function resolveOptions(o: ClientOptions = {}): ResolvedOptions {
  const env = o.env ?? process.env;
  const baseUrl = (o.baseUrl ?? env.AGENT_ALIAS_API_URL ?? DEFAULT_API_URL).replace(/\/+$/, "");
  try {
    const u = new URL(baseUrl);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new TypeError(`invalid API URL ${JSON.stringify(baseUrl)}: expected http(s)://host[:port]`);
  }
  return {
    baseUrl,
    apiKey: o.apiKey ?? (env.VECTARA_API_KEY || undefined),
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
