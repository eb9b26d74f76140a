/**
 * Who may call the emulator, and with which role (API.md "Conventions" and "What the emulator
 * adds", **rev.**): API keys, each with a role (`--api-key ci=agent_developer`; a key without
 * one is `owner`), and OAuth clients (`--oauth-client ID=SECRET[=ROLE]`) that exchange client
 * credentials at `POST /oauth2/token` for bearer tokens that expire (`--token-ttl`) on the
 * emulator's clock. With no key and no OAuth client configured any non-empty API key is
 * accepted, as `owner`; once either is, only those; with no OAuth client configured a bearer
 * token is taken as an API key.
 */
import { randomBytes } from "node:crypto";
import {
  EMULATOR_CONTROLS,
  type EmulatorControl,
  isRole,
  mayCall,
  type Operation,
  ROLES,
  type Role,
  refusalMessage,
} from "../wire/index.js";
import { HttpProblem } from "./errors.js";

export interface ApiKeySpec {
  key: string;
  role?: Role | undefined;
}

export interface OAuthClientSpec {
  id: string;
  secret: string;
  role?: Role | undefined;
}

/** Where the emulator issues OAuth tokens (API.md: `POST /oauth2/token`). */
export const TOKEN_PATH = "/oauth2/token";

/** Default lifetime of an issued token (API.md: tokens last 30 minutes). */
export const DEFAULT_TOKEN_TTL_S = 30 * 60;
/** Issued tokens kept at most; past it the expired ones are dropped, then the oldest. */
const MAX_TOKENS = 10_000;

export class CredentialError extends Error {
  override readonly name = "CredentialError";
  readonly code = "invalid_credentials" as const;
}

const ROLE_LIST = ROLES.join(", ");

function role(raw: string, what: string): Role {
  if (!isRole(raw)) throw new CredentialError(`${what}: unknown role '${raw}' (roles: ${ROLE_LIST})`);
  return raw;
}

/**
 * `KEY` or `KEY=ROLE` (`--api-key`). A key may itself hold `=`: only a last part made of
 * lower-case letters and `_` is read as a role, and then it must be one.
 */
export function parseApiKeySpec(spec: string, flag = "--api-key"): ApiKeySpec {
  const at = spec.lastIndexOf("=");
  const tail = at < 0 ? "" : spec.slice(at + 1);
  if (at <= 0 || !/^[a-z_]+$/.test(tail)) {
    if (spec === "") throw new CredentialError(`${flag}: the key is empty`);
    return { key: spec };
  }
  // Errors never echo the key or secret itself.
  return { key: spec.slice(0, at), role: role(tail, flag) };
}

/** `ID=SECRET` or `ID=SECRET=ROLE` (`--oauth-client`). */
export function parseOAuthClientSpec(spec: string): OAuthClientSpec {
  const first = spec.indexOf("=");
  if (first <= 0 || first === spec.length - 1)
    throw new CredentialError("--oauth-client: expected ID=SECRET[=ROLE]");
  const id = spec.slice(0, first);
  const rest = parseApiKeySpec(spec.slice(first + 1), `--oauth-client ${id}`);
  return { id, secret: rest.key, ...(rest.role !== undefined ? { role: rest.role } : {}) };
}

/** `1800`, `90s`, `30m`, `2h` -> seconds (at least 1). */
export function parseTtl(raw: string): number {
  const m = /^(\d{1,9})(s|m|h)?$/.exec(raw.trim());
  const n = m ? Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "m" ? 60 : 1) : Number.NaN;
  if (!(n >= 1)) throw new CredentialError(`--token-ttl: expected seconds or 90s, 30m, 2h; got '${raw}'`);
  return n;
}

interface Issued {
  readonly clientId: string;
  readonly role: Role;
  readonly expiresAt: number;
}

/** What a caller presented and was found to be. */
export interface Caller {
  readonly role: Role;
}

export interface AuthOptions {
  apiKeys?: readonly ApiKeySpec[] | undefined;
  oauthClients?: readonly OAuthClientSpec[] | undefined;
  tokenTtlSeconds?: number | undefined;
  /** Milliseconds since 1970 (the emulator's clock). */
  now: () => number;
}

type Headers = Record<string, string | string[] | undefined>;

/** The credentials the emulator accepts, and the tokens it has issued. */
export class Credentials {
  private readonly keys: Map<string, Role> | undefined;
  private readonly clients = new Map<string, { secret: string; role: Role }>();
  private readonly tokens = new Map<string, Issued>();
  readonly tokenTtlSeconds: number;

  constructor(private readonly o: AuthOptions) {
    this.keys =
      o.apiKeys && o.apiKeys.length > 0
        ? new Map(o.apiKeys.map((k) => [k.key, k.role ?? "owner"]))
        : undefined;
    for (const c of o.oauthClients ?? [])
      this.clients.set(c.id, { secret: c.secret, role: c.role ?? "owner" });
    this.tokenTtlSeconds = o.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_S;
  }

  get oauth(): boolean {
    return this.clients.size > 0;
  }

  /** No key and no OAuth client configured: any non-empty key is accepted, as `owner`. */
  get open(): boolean {
    return this.keys === undefined && !this.oauth;
  }

  /** The caller of a request, or a 401 saying what is missing or wrong. */
  identify(headers: Headers): Caller {
    const key = headers["x-api-key"];
    if (typeof key === "string" && key !== "") return this.byKey(key);
    const auth = headers.authorization;
    if (typeof auth === "string" && /^bearer /i.test(auth)) {
      const token = auth.slice(7).trim();
      if (token !== "") return this.oauth ? this.byToken(token) : this.byKey(token);
    }
    throw new HttpProblem(401, ["Missing API key: send x-api-key or Authorization: Bearer"]);
  }

  /** A 403 in the API's words unless the caller's role may make the operation. */
  authorize(caller: Caller, operation: Operation): void {
    if (!mayCall(caller.role, operation)) throw new HttpProblem(403, [refusalMessage(operation)]);
  }

  /** A 403 unless the caller's role may make the emulator's own call `control` (wire/emulator.ts). */
  authorizeControl(caller: Caller, control: EmulatorControl): void {
    const c = EMULATOR_CONTROLS[control];
    if (c.roles !== undefined && !(c.roles as readonly Role[]).includes(caller.role))
      throw new HttpProblem(403, [`Permissions do not allow ${c.refusal}.`]);
  }

  private byKey(key: string): Caller {
    if (this.keys === undefined) return { role: "owner" };
    const r = this.keys.get(key);
    if (r === undefined) throw new HttpProblem(401, ["Invalid API key"]);
    return { role: r };
  }

  private byToken(token: string): Caller {
    const t = this.tokens.get(token);
    if (t === undefined) throw new HttpProblem(401, ["Invalid or unknown bearer token"]);
    if (this.o.now() >= t.expiresAt) {
      this.tokens.delete(token);
      throw new HttpProblem(401, ["The bearer token has expired"]);
    }
    return { role: t.role };
  }

  /**
   * `POST /oauth2/token` (RFC 6749 §4.4): client credentials from the form body or HTTP Basic.
   * Answers the token, or an OAuth error (`{error, error_description}`) with its status.
   */
  issue(form: Record<string, string>, headers: Headers): { status: number; body: Record<string, unknown> } {
    const fail = (status: number, error: string, description: string) => ({
      status,
      body: { error, error_description: description },
    });
    if (!this.oauth) return fail(404, "not_found", "no OAuth client is configured (--oauth-client)");
    if (form.grant_type !== "client_credentials")
      return fail(
        400,
        form.grant_type === undefined ? "invalid_request" : "unsupported_grant_type",
        "grant_type must be client_credentials",
      );
    let id = form.client_id;
    let secret = form.client_secret;
    const basic = headers.authorization;
    if (typeof basic === "string" && /^basic /i.test(basic)) {
      const decoded = Buffer.from(basic.slice(6).trim(), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon <= 0)
        return fail(400, "invalid_request", "the Basic credentials must be client_id:client_secret");
      let basicId: string;
      try {
        basicId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        return fail(400, "invalid_request", "the Basic credentials are not valid URL encoding");
      }
      // RFC 6749 §2.3: one client authentication per request. A form client_id may name the
      // same client; a form secret, or another client, is a second authentication.
      if (form.client_secret !== undefined || (id !== undefined && id !== basicId))
        return fail(
          400,
          "invalid_request",
          "more than one client authentication: send the client credentials either as HTTP Basic or in the form, not both",
        );
      id = basicId;
    }
    if (id === undefined || secret === undefined)
      return fail(400, "invalid_request", "client_id and client_secret are required");
    const client = this.clients.get(id);
    if (client === undefined || client.secret !== secret)
      return fail(401, "invalid_client", "unknown client or wrong secret");
    const token = `eat_${randomBytes(24).toString("base64url")}`;
    this.prune();
    this.tokens.set(token, {
      clientId: id,
      role: client.role,
      expiresAt: this.o.now() + this.tokenTtlSeconds * 1000,
    });
    return {
      status: 200,
      body: { access_token: token, token_type: "Bearer", expires_in: this.tokenTtlSeconds },
    };
  }

  private prune(): void {
    if (this.tokens.size < MAX_TOKENS) return;
    const now = this.o.now();
    for (const [t, v] of this.tokens) if (now >= v.expiresAt) this.tokens.delete(t);
    while (this.tokens.size >= MAX_TOKENS) this.tokens.delete(this.tokens.keys().next().value!);
  }
}
