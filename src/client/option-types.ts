/** The client's options as a caller gives them: a leaf, so the settings table and the options' resolution both read it. */
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
  /**
   * OAuth 2.0 client credentials; else VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET. Used when
   * no API key is given (an API key, given or from the environment, wins over them only at
   * the same level: options before the environment).
   */
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** The OAuth token URL for the client credentials; else VECTARA_AUTH_URL; else DEFAULT_TOKEN_URL. */
  tokenUrl?: string | undefined;
  /** Called before each retry (for logging); not called for the first attempt. */
  onRetry?:
    | ((info: { method: string; url: string; attempt: number; delayMs: number; reason: string }) => void)
    | undefined;
  /** Environment to read defaults from (tests pass their own). */
  env?: Record<string, string | undefined> | undefined;
}
