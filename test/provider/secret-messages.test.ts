/**
 * A secret never shows in a message. Property tests over every path that words a failure:
 * Check of both resources through both doors (the native plugin, given secret-wrapped values
 * anywhere; Pulumi's dynamic-provider host, given plain values and the names the resource
 * class marks secret), the plugin's Invoke, CheckConfig and Configure, and error bodies that
 * echo what the client sent (an API echoing `x-api-key`, a token URL echoing
 * `client_secret=…`), through the client, the provider's wording and the plugin's gRPC status.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient, isApiError, MESSAGE_LIMITS } from "../../src/client/index.js";
import { CANARY_POLICY_TOKEN } from "../../src/native/schema.js";
import { describeApiFailure, SECRETS_KEY } from "../../src/provider/index.js";
import { type ContractServer, startContractServer } from "../helpers/contract-server.js";
import { type ProviderHost, serializeProvider, startProviderHost } from "../helpers/dynamic-provider.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { ALIAS, ALIAS_POLICY, type Plugin, type Props, secret, startPlugin } from "../helpers/plugin.js";
import { canary } from "../helpers/policies.js";

const KEY = "secret-messages-key-9d2b";
const ALIAS_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/agent-alias:Alias::a";
const POLICY_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/agent-alias:AliasPolicy::p";

let emu: TestEmulator;
let plugin: Plugin;
let host: ProviderHost;
let aliasProviderText: string;
let policyProviderText: string;

beforeAll(async () => {
  emu = await startTestEmulator({ apiKey: KEY });
  for (const key of ["p-v1", "p-v2"]) await emu.call("POST", "/v2/agents", { key, name: key });
  plugin = await startPlugin();
  await plugin.configure({ apiUrl: emu.url, apiKey: secret(KEY) });
  host = await startProviderHost();
  await host.configure({ "agent-alias:apiUrl": emu.url, "agent-alias:apiKey": KEY });
  aliasProviderText = serializeProvider("aliasResourceProvider").text;
  policyProviderText = serializeProvider("aliasPolicyResourceProvider").text;
});
afterAll(async () => {
  await host?.close();
  await plugin?.close();
  await emu?.close();
});

/** A secret: distinctive, at least 8 characters (so any occurrence of it is a leak). */
const token = fc.stringMatching(/^[a-z0-9]{10}$/).map((s) => `Zq${s}`);
/** Distinct tokens, one for each place (all of one length: none is part of another). */
const tokens = (n: number) => fc.uniqueArray(token, { minLength: n, maxLength: n });

/** A value to place, made from a secret token: `secret` says whether it goes in wrapped. */
type Place = (s: string) => { value: unknown; secret: boolean } | undefined;
const plain =
  (value: unknown): Place =>
  () => ({ value, secret: false });
const hidden =
  (make: (s: string) => unknown): Place =>
  (s) => ({ value: make(s), secret: true });
const absent: Place = () => undefined;

const deep = (s: string, levels: number): unknown => {
  let v: unknown = s;
  for (let i = 0; i < levels; i++) v = { [s]: v };
  return v;
};
const policyWith = (rule0: Record<string, unknown>) => ({
  type: "routed",
  rules: [rule0, { targets: { type: "single", agent_key: "p-v1" } }],
});

const ALIAS_PLACES: Record<string, Place[]> = {
  key: [plain("sm-alias"), hidden((s) => `bad key ${s}`), hidden((s) => s), hidden((s) => `${s}!`.repeat(9))],
  name: [plain("Name"), hidden((s) => s), hidden((s) => s.repeat(20))],
  description: [absent, hidden((s) => s), hidden((s) => ({ [s]: s }))],
  metadata: [absent, hidden((s) => ({ [s]: s })), hidden((s) => deep(s, 70)), plain({})],
  policy: [
    plain(canary(90, 10)),
    hidden(() => canary(90, 10)),
    hidden((s) => canary(50, 50, ["p-v1", s])),
    hidden((s) => policyWith({ match: `${s}(1) == 1`, targets: { type: "single", agent_key: "p-v1" } })),
    hidden((s) => policyWith({ targets: { type: "single", agent_key: s } })),
    hidden((s) => ({ type: s, rules: [] })),
    hidden((s) => policyWith({ match: `get('$.session.metadata.${s}') == '${s}'`, targets: { type: s } })),
  ],
  samples: [
    absent,
    hidden((s) => [
      { name: s, context: { session: { metadata: { user_id: s, tenant: "eu" } } }, expect: "p-v1" },
    ]),
    hidden((s) => [{ name: s, context: { session: { metadata: { tenant: s } } }, expect: s }]),
    hidden((s) => [{ name: s, context: deep(s, 70) }]),
  ],
};

/** Nested secrets, for the native door (the engine sends them wrapped where the program put them). */
const NESTED: Place[] = [
  (s) => ({
    value: policyWith({ match: secret(`${s}(2)`), targets: { type: "single", agent_key: secret(s) } }),
    secret: true,
  }),
  (s) => ({ value: { tag: secret(s), k: secret({ [s]: 1 }) }, secret: false }),
];

interface Built {
  /** As the native plugin gets it: secret-wrapped values. */
  native: Props;
  /** As the dynamic provider gets it: plain values, and the names of the secret ones. */
  dynamic: Props;
  /** The tokens placed only under a secret wrapper: none may show. */
  secrets: string[];
}

const SIG = Object.keys(secret(0))[0]!;
const isWrapped = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Props)[SIG] !== undefined;
/** The value with every secret wrapper taken off, as a dynamic provider is given it. */
function plainOf(v: unknown): unknown {
  if (isWrapped(v)) return plainOf(v.value);
  if (Array.isArray(v)) return v.map(plainOf);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, plainOf(e)]));
  return v;
}
const holdsSecret = (v: unknown): boolean => JSON.stringify(v).includes(SIG);

/** Each place gets its own token; `tokens` must be at least as many as the places. */
function build(places: Record<string, Place>, tokens: readonly string[]): Built {
  const native: Props = {};
  const dynamic: Props = {};
  const names: string[] = [];
  const secrets: string[] = [];
  Object.entries(places).forEach(([name, place], i) => {
    const s = tokens[i]!;
    const r = place(s);
    if (r === undefined) return;
    native[name] = r.secret ? secret(r.value) : r.value;
    dynamic[name] = plainOf(r.value);
    if (holdsSecret(native[name])) {
      names.push(name);
      if (JSON.stringify(r.value).includes(s)) secrets.push(s);
    }
  });
  return { native, dynamic: { ...dynamic, [SECRETS_KEY]: names }, secrets };
}

const text = (failures: { property: string; reason: string }[]) => JSON.stringify(failures);

function expectNoSecret(where: string, what: string, secrets: readonly string[]): void {
  for (const s of secrets) expect(what, `${where} shows the secret ${s}`).not.toContain(s);
}

const placeArb = (places: Place[]) => fc.constantFrom(...places);

describe("secrets never in a check failure", () => {
  it("Alias: Check through the native plugin and the dynamic provider", async () => {
    let failed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          Object.fromEntries(
            Object.entries(ALIAS_PLACES).map(([k, v]) => [
              k,
              placeArb(k === "policy" || k === "metadata" ? [...v, ...NESTED] : v),
            ]),
          ),
        ),
        tokens(6),
        async (places, tokens) => {
          const b = build(places as Record<string, Place>, tokens);
          const native = await plugin.check(ALIAS, b.native);
          expectNoSecret("native Check", text(native.failures), b.secrets);
          const dynamic = await host.check(ALIAS_URN, {}, { ...b.dynamic, __provider: aliasProviderText });
          expectNoSecret("dynamic Check", text(dynamic.failures), b.secrets);
          if (native.failures.length > 0) failed++;
        },
      ),
      { numRuns: 60, seed: 2026_12_22 },
    );
    // The runs exercised failures, not only valid inputs.
    expect(failed).toBeGreaterThan(30);
  });

  it("AliasPolicy: Check through the native plugin and the dynamic provider", async () => {
    await fc.assert(
      fc.asyncProperty(
        placeArb([plain("sm-alias"), hidden((s) => `bad key ${s}`), hidden((s) => s)]),
        placeArb([...ALIAS_PLACES.policy!, ...NESTED.slice(0, 1)]),
        placeArb(ALIAS_PLACES.samples!),
        tokens(6),
        async (aliasKey, policy, samples, tokens) => {
          const b = build({ aliasKey, policy, samples }, tokens);
          const native = await plugin.check(ALIAS_POLICY, b.native);
          expectNoSecret("native Check", text(native.failures), b.secrets);
          const dynamic = await host.check(POLICY_URN, {}, { ...b.dynamic, __provider: policyProviderText });
          expectNoSecret("dynamic Check", text(dynamic.failures), b.secrets);
        },
      ),
      { numRuns: 40, seed: 2026_12_23 },
    );
  });

  it("a secret key echoed by today's check: shown as [secret], the rule still said", async () => {
    const native = await plugin.check(ALIAS, {
      key: secret("bad key ZqHidden1"),
      name: "n",
      policy: canary(90, 10),
    });
    expect(native.failures).toEqual([
      {
        property: "",
        reason: "key: must be 1 to 50 characters of letters, digits, '_' or '-', got [secret]",
      },
    ]);
    const dynamic = await host.check(
      ALIAS_URN,
      {},
      {
        key: "bad key ZqHidden1",
        name: "n",
        policy: canary(90, 10),
        [SECRETS_KEY]: ["key"],
        __provider: aliasProviderText,
      },
    );
    expect(dynamic.failures).toEqual(native.failures);
  });
});

describe("secrets never in an Invoke failure or in the configuration's", () => {
  it("canaryPolicy with secret arguments", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          from: placeArb([plain("p-v1"), hidden((s) => s)]),
          to: placeArb([plain("p-v2"), hidden((s) => s)]),
          current: placeArb([plain("canary-5"), hidden((s) => s), hidden((s) => `${s} stage`)]),
          partitionBy: placeArb([plain("get('$.session.key')"), hidden((s) => `${s}(`)]),
          stages: placeArb([
            absent,
            hidden((s) => [
              { name: s, weights: [1, 0] },
              { name: s, weights: [0, 0] },
            ]),
            hidden((s) => [{ name: "a", weights: [s, 1] }]),
          ]),
          match: placeArb([absent, hidden((s) => `${s} ==`)]),
        }),
        tokens(6),
        async (places, tokens) => {
          const b = build(places as Record<string, Place>, tokens);
          const r = await plugin.invoke(CANARY_POLICY_TOKEN, b.native);
          expectNoSecret("Invoke", text(r.failures), b.secrets);
        },
      ),
      { numRuns: 60, seed: 2026_12_24 },
    );
  });

  it("CheckConfig and Configure with secret-wrapped settings", async () => {
    const p = await startPlugin();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            apiUrl: placeArb([
              absent,
              hidden((s) => `not a url ${s}`),
              hidden((s) => `ftp://${s}.example`),
              hidden((s) => s),
            ]),
            authUrl: placeArb([absent, hidden((s) => `ftp://${s}`), hidden((s) => ({ [s]: s }))]),
            apiKey: placeArb([absent, hidden((s) => s), hidden((s) => [s])]),
            clientId: placeArb([absent, hidden((s) => s), hidden((s) => 7 + s.length)]),
          }),
          tokens(6),
          async (places, tokens) => {
            const b = build(places as Record<string, Place>, tokens);
            const checked = await p.checkConfig(b.native);
            expectNoSecret("CheckConfig", text(checked.failures), b.secrets);
            const configured = await p.configure(b.native).then(
              () => "",
              (e: Error) => e.message,
            );
            expectNoSecret("Configure", configured, b.secrets);
          },
        ),
        { numRuns: 50, seed: 2026_12_25 },
      );
    } finally {
      await p.close();
    }
  });
});

describe("error bodies that echo what the client sent", () => {
  let echo: ContractServer;
  beforeAll(async () => {
    echo = await startContractServer();
  });
  afterAll(() => echo.close());

  /** What an echoing server may answer, from what it was sent. */
  const echoes = fc.constantFrom(
    (sent: string) => ({ status: 400, body: { messages: [`bad request from ${sent}`], request_id: sent } }),
    (sent: string) => ({ status: 401, body: { messages: ["no"], field_errors: { [sent]: `was ${sent}` } } }),
    (sent: string) => ({ status: 403, body: { messages: [`key ${sent} refused`], echo: { headers: sent } } }),
    (sent: string) => ({ status: 500, text: `internal error handling ${sent}` }),
    (sent: string) => ({
      status: 404,
      body: { messages: Array.from({ length: 50 }, () => sent.repeat(300)) },
    }),
    (sent: string) => ({ status: 409, text: sent.repeat(10_000) }),
  );

  it("the client, the provider's wording and the plugin's status redact the credentials and stay bounded", async () => {
    await fc.assert(
      fc.asyncProperty(echoes, token, fc.boolean(), async (answer, s, oauth) => {
        echo.reset();
        echo.answer(/.*/, (req) =>
          answer(
            `${JSON.stringify(req.headers)} ${typeof req.body === "string" ? req.body : JSON.stringify(req.body)}`,
          ),
        );
        const client = new AgentAliasClient({
          baseUrl: echo.url,
          ...(oauth
            ? { clientId: "ci-app", clientSecret: s, tokenUrl: `${echo.url}/oauth2/token` }
            : { apiKey: s }),
          retry: { maxAttempts: 1 },
          env: {},
        });
        const e = await client.getAlias("x").then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(isApiError(e)).toBe(true);
        const api = e as Error & {
          summary: string;
          messages: string[];
          fieldErrors?: unknown;
          body: unknown;
        };
        const all = JSON.stringify([api.message, api.summary, api.messages, api.fieldErrors, api.body]);
        expectNoSecret("the client's error", all, [s]);
        expectNoSecret("the provider's wording", describeApiFailure("reading alias 'x'", e).message, [s]);
        expect(api.message.length).toBeLessThan(MESSAGE_LIMITS.reason * 21 + 1000);
      }),
      { numRuns: 40, seed: 2026_12_26 },
    );
  });

  it("the plugin's Create against an echoing API: no credential in the gRPC status", async () => {
    const p = await startPlugin();
    try {
      const s = "ZqEchoedKey42";
      await p.configure({ apiUrl: echo.url, apiKey: secret(s) });
      echo.reset();
      echo.answer(/.*/, (req) => ({
        status: 400,
        body: { messages: [`you sent ${JSON.stringify(req.headers)}`] },
      }));
      const err = await p
        .create(ALIAS, { key: "a", name: "a", policy: canary(90, 10) })
        .catch((e: Error) => e);
      expect((err as Error).message).toContain("[secret]");
      expect((err as Error).message).not.toContain(s);
    } finally {
      await p.close();
    }
  });
});
