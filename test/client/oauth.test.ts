/**
 * OAuth 2.0 client credentials (API.md "Conventions", rev.): the emulator's token endpoint,
 * and the client that fetches a token, reuses it, renews it before it expires and once after
 * a 401, and never lets it out.
 */
import { afterEach, describe, expect, it } from "vitest";
import { OAuthTokens } from "../../src/client/auth.js";
import { AgentAliasClient, isApiError } from "../../src/client/index.js";
import { callJson, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { startLossyProxy } from "../helpers/lossy-proxy.js";

let e: TestEmulator | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

/** An emulator whose clock the test moves. */
async function emulatorWithClock(options: { tokenTtlSeconds?: number } = {}) {
  let now = Date.parse("2026-06-02T10:00:00.000Z");
  e = await startTestEmulator({
    oauthClients: ["ci=s3cret=agent_developer", "boss=b0ss"],
    clock: () => new Date(now),
    ...options,
  });
  return { emu: e, advance: (ms: number) => (now += ms) };
}

const form = (body: Record<string, string>) => new URLSearchParams(body).toString();
const formHeaders = { "content-type": "application/x-www-form-urlencoded" };

describe("the emulator's token endpoint", () => {
  it("issues bearer tokens for client credentials, in the form body or HTTP Basic", async () => {
    const { emu } = await emulatorWithClock({ tokenTtlSeconds: 120 });
    const r = await callJson(
      emu.url,
      "POST",
      "/oauth2/token",
      form({ grant_type: "client_credentials", client_id: "ci", client_secret: "s3cret" }),
      formHeaders,
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 120 });
    const basic = await callJson(
      emu.url,
      "POST",
      "/oauth2/token",
      form({ grant_type: "client_credentials" }),
      {
        ...formHeaders,
        authorization: `Basic ${Buffer.from("boss:b0ss").toString("base64")}`,
      },
    );
    expect(basic.status).toBe(200);
    const list = await callJson(emu.url, "GET", "/v2/agent_aliases", undefined, {
      authorization: `Bearer ${r.body.access_token}`,
    });
    expect(list.status).toBe(200);
  });

  it("refuses bad credentials and grants in OAuth's words", async () => {
    const { emu } = await emulatorWithClock();
    const post = (body: Record<string, string>) =>
      callJson(emu.url, "POST", "/oauth2/token", form(body), formHeaders);
    const wrong = await post({ grant_type: "client_credentials", client_id: "ci", client_secret: "nope" });
    expect([wrong.status, wrong.body.error]).toEqual([401, "invalid_client"]);
    const grant = await post({ grant_type: "password", client_id: "ci", client_secret: "s3cret" });
    expect([grant.status, grant.body.error]).toEqual([400, "unsupported_grant_type"]);
    const missing = await post({ grant_type: "client_credentials" });
    expect([missing.status, missing.body.error]).toEqual([400, "invalid_request"]);
  });

  it("refuses two client authentications in one request (RFC 6749 §2.3), whichever would win", async () => {
    const { emu } = await emulatorWithClock();
    const viewerBasic = `Basic ${Buffer.from("ci:s3cret").toString("base64")}`;
    const post = (body: Record<string, string>, authorization: string) =>
      callJson(emu.url, "POST", "/oauth2/token", form({ grant_type: "client_credentials", ...body }), {
        ...formHeaders,
        authorization,
      });
    // A lower client in Basic, the owner in the form: neither is chosen.
    for (const body of [
      { client_id: "boss", client_secret: "b0ss" },
      { client_id: "ci", client_secret: "s3cret" },
      { client_secret: "b0ss" },
      { client_id: "boss" },
    ]) {
      const r = await post(body, viewerBasic);
      expect([r.status, r.body.error], JSON.stringify(body)).toEqual([400, "invalid_request"]);
      expect(r.body.access_token).toBeUndefined();
      expect(r.body.error_description).toContain("more than one client authentication");
    }
    // The same client named in the form beside Basic is one authentication.
    expect((await post({ client_id: "ci" }, viewerBasic)).status).toBe(200);
    const malformed = await post({ client_id: "boss", client_secret: "b0ss" }, "Basic bm9jb2xvbg==");
    expect([malformed.status, malformed.body.error]).toEqual([400, "invalid_request"]);
  });

  it("a token carries its client's role and expires on the emulator's clock", async () => {
    const { emu, advance } = await emulatorWithClock({ tokenTtlSeconds: 60 });
    const t = await callJson(
      emu.url,
      "POST",
      "/oauth2/token",
      form({ grant_type: "client_credentials", client_id: "ci", client_secret: "s3cret" }),
      formHeaders,
    );
    const bearer = { authorization: `Bearer ${t.body.access_token}` };
    const policy = { type: "routed", rules: [{ targets: { type: "single", agent_key: "x" } }] };
    const put = await callJson(emu.url, "PUT", "/v2/agent_aliases/a/policy", { policy }, bearer);
    expect([put.status, put.body.messages]).toEqual([
      403,
      ["Permissions do not allow modifying this alias."],
    ]);
    advance(59_999);
    expect((await callJson(emu.url, "GET", "/v2/agents", undefined, bearer)).status).toBe(200);
    advance(1);
    const late = await callJson(emu.url, "GET", "/v2/agents", undefined, bearer);
    expect([late.status, late.body.messages]).toEqual([401, ["The bearer token has expired"]]);
    const forged = await callJson(emu.url, "GET", "/v2/agents", undefined, {
      authorization: "Bearer forged",
    });
    expect(forged.status).toBe(401);
  });
});

describe("the client with client credentials", () => {
  it("fetches one token for many calls, concurrent ones included", async () => {
    const { emu } = await emulatorWithClock();
    const proxy = await startLossyProxy(emu.url, () => false);
    try {
      const c = new AgentAliasClient({
        baseUrl: proxy.url,
        clientId: "boss",
        clientSecret: "b0ss",
        tokenUrl: `${proxy.url}/oauth2/token`,
        env: {},
      });
      await Promise.all([c.listAgents(), c.listAliases(), c.listAgents()]);
      await c.listAgents();
      expect(proxy.seen.filter((s) => s === "POST /oauth2/token")).toHaveLength(1);
      expect((c.auth as OAuthTokens).fetched).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it("renews a token the API refuses (expired early, or the server restarted), once", async () => {
    const { emu, advance } = await emulatorWithClock({ tokenTtlSeconds: 1800 });
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      clientId: "boss",
      clientSecret: "b0ss",
      tokenUrl: `${emu.url}/oauth2/token`,
      env: {},
    });
    await c.listAgents();
    advance(1800_000); // the emulator's clock passes the expiry; the client's has not
    await expect(c.listAgents()).resolves.toMatchObject({ agents: [] });
    expect((c.auth as OAuthTokens).fetched).toBe(2);
    // The renewed try is not an attempt: a failure after it reads as one attempt.
    advance(1800_000);
    const missing = await c.getAgent("nobody").catch((x: unknown) => x as { attempts: number; code: string });
    expect(missing).toMatchObject({ code: "not_found", attempts: 1 });
    expect((c.auth as OAuthTokens).fetched).toBe(3);
  });

  it("renews before expiry on its own clock", async () => {
    const { emu } = await emulatorWithClock({ tokenTtlSeconds: 100 });
    let now = 0;
    const c = new AgentAliasClient({ baseUrl: emu.url, env: {} });
    const tokens = new OAuthTokens(
      c.options,
      { kind: "oauth", clientId: "boss", clientSecret: "b0ss", tokenUrl: `${emu.url}/oauth2/token` },
      () => now,
    );
    await tokens.headers();
    now = 89_000; // 11 s of 100 left: kept
    await tokens.headers();
    expect(tokens.fetched).toBe(1);
    now = 90_000; // 10% left: renewed
    await tokens.headers();
    expect(tokens.fetched).toBe(2);
  });

  it("a refused client is an unauthorized error that names the client and hides the secret", async () => {
    const { emu } = await emulatorWithClock();
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      clientId: "ci",
      clientSecret: "wrong-secret",
      tokenUrl: `${emu.url}/oauth2/token`,
      env: {},
    });
    const err = await c.listAgents().then(
      () => expect.unreachable(),
      (x: unknown) => x,
    );
    expect(isApiError(err, "unauthorized")).toBe(true);
    const text = `${(err as Error).message} ${JSON.stringify(err)}`;
    expect((err as Error).message).toContain(
      "the token URL refused the OAuth client 'ci': 401 invalid_client",
    );
    expect(text).not.toContain("wrong-secret");
  });

  it("takes client credentials from the environment, and an API key before them", () => {
    const oauth = new AgentAliasClient({
      env: {
        VECTARA_CLIENT_ID: "id",
        VECTARA_CLIENT_SECRET: "sec",
        VECTARA_AUTH_URL: "http://127.0.0.1:9/t",
      },
    });
    expect(oauth.options.credentials).toEqual({
      kind: "oauth",
      clientId: "id",
      tokenUrl: "http://127.0.0.1:9/t",
    });
    // The secret is there for the token request, and nowhere a log or JSON would show it.
    expect((oauth.options.credentials as { clientSecret?: string }).clientSecret).toBe("sec");
    expect(JSON.stringify(oauth.options)).not.toContain('sec"');
    expect(JSON.stringify(oauth)).not.toContain('"sec"');
    // Halves from two places: the id from the options, the secret from the environment.
    const mixed = new AgentAliasClient({ clientId: "cfg-id", env: { VECTARA_CLIENT_SECRET: "env-sec" } });
    expect(mixed.options.credentials).toMatchObject({ kind: "oauth", clientId: "cfg-id" });
    const key = new AgentAliasClient({
      env: { VECTARA_API_KEY: "k", VECTARA_CLIENT_ID: "id", VECTARA_CLIENT_SECRET: "s" },
    });
    expect(key.options.credentials).toEqual({ kind: "api_key", apiKey: "k" });
    const given = new AgentAliasClient({ clientId: "a", clientSecret: "b", env: { VECTARA_API_KEY: "k" } });
    expect(given.options.credentials).toMatchObject({
      kind: "oauth",
      tokenUrl: "https://auth.vectara.io/oauth2/token",
    });
    expect(() => new AgentAliasClient({ env: { VECTARA_CLIENT_ID: "id" } })).toThrow(
      "an OAuth client id is set but no client secret (clientSecret, VECTARA_CLIENT_SECRET)",
    );
  });
});
