/**
 * How the client authenticates (API.md "Conventions"): an API key sent as `x-api-key`, or a
 * bearer token from OAuth 2.0 client credentials. A token is fetched when first needed,
 * shared by concurrent calls (one fetch at a time), reused until shortly before it expires,
 * and fetched anew after the API refuses it with a 401. The token and the client secret are
 * kept in this object only: never in an error, a log line or a returned value.
 */
import { z } from "zod";
import { ApiError, isApiError } from "./errors.js";
import { type Auth, call, NO_AUTH } from "./http.js";
import type { Credentials, ResolvedOptions } from "./options.js";

/** The token answer; fields the server adds are ignored. Without `expires_in`, 30 minutes (API.md). */
const tokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === "bearer", { error: "must be 'Bearer'" }),
  expires_in: z.number().positive().optional(),
});

/** Default token lifetime when the answer does not say, in seconds (API.md: 30 minutes). */
const DEFAULT_TOKEN_LIFETIME_S = 30 * 60;
/** A token is renewed once this share of its lifetime is left, and at most this long before it expires. */
const RENEW_SHARE = 0.1;
const RENEW_AT_MOST_MS = 60_000;

/** OAuth 2.0 client credentials -> bearer tokens. */
export class OAuthTokens implements Auth {
  readonly describe: string;
  // Private fields: the token never shows in a log or JSON of this object.
  #token: string | undefined;
  /** When the token must be replaced (ms since 1970, the local clock). */
  private renewAt = 0;
  private fetching: Promise<string> | undefined;
  /** Tokens fetched so far (for tests and diagnostics). */
  fetched = 0;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly credentials: Extract<Credentials, { kind: "oauth" }>,
    private readonly now: () => number = Date.now,
  ) {
    this.describe = `the OAuth client '${credentials.clientId}'`;
  }

  async headers(): Promise<Record<string, string>> {
    return { authorization: `Bearer ${await this.current()}` };
  }

  refused(sent: Record<string, string>): boolean {
    if (sent.authorization === `Bearer ${this.#token}`) {
      this.#token = undefined;
      this.renewAt = 0;
    }
    return true;
  }

  private current(): Promise<string> {
    if (this.#token !== undefined && this.now() < this.renewAt) return Promise.resolve(this.#token);
    this.fetching ??= this.fetchToken().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const { tokenUrl, clientId, clientSecret } = this.credentials;
    const asked = this.now();
    let answer: z.infer<typeof tokenAnswerSchema>;
    try {
      answer = await call(
        this.options,
        {
          method: "POST",
          path: "",
          url: tokenUrl,
          form: { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret },
          schema: tokenAnswerSchema,
          // Asking for a token twice does no harm.
          idempotent: true,
        },
        NO_AUTH,
      );
    } catch (e) {
      if (isApiError(e) && (e.status === 400 || e.status === 401 || e.status === 403)) {
        throw new ApiError(
          "unauthorized",
          `the token URL refused ${this.describe}: ${e.status}${e.messages.length > 0 ? ` ${e.messages.join("; ")}` : ""}`,
          {
            method: e.method,
            url: e.url,
            status: e.status,
            messages: e.messages,
            credential: this.describe,
            attempts: e.attempts,
          },
        );
      }
      if (isApiError(e, "invalid_response")) {
        // The body may hold a token: keep it out of the error.
        throw new ApiError("invalid_response", `${e.status} with a body that is not an OAuth token answer`, {
          method: e.method,
          url: e.url,
          ...(e.status !== undefined ? { status: e.status } : {}),
          credential: this.describe,
        });
      }
      throw e;
    }
    const lifetimeMs = (answer.expires_in ?? DEFAULT_TOKEN_LIFETIME_S) * 1000;
    this.#token = answer.access_token;
    this.renewAt = asked + lifetimeMs - Math.min(RENEW_AT_MOST_MS, lifetimeMs * RENEW_SHARE);
    this.fetched++;
    return this.#token;
  }
}

/** An API key, sent as `x-api-key`. */
function apiKeyAuth(apiKey: string): Auth {
  const headers = { "x-api-key": apiKey };
  return { headers: async () => headers, refused: () => false, describe: "the API key" };
}

/** The Auth of resolved options. */
export function authFor(options: ResolvedOptions): Auth {
  const c = options.credentials;
  if (c.kind === "api_key") return apiKeyAuth(c.apiKey);
  if (c.kind === "oauth") return new OAuthTokens(options, c);
  return NO_AUTH;
}
