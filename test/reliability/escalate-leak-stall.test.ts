/**
 * Reliability classes of the newer surfaces: nothing escalates (the emulator's control
 * endpoints by every credential, with and without faults active), nothing leaks (secret
 * inputs through the plugin's Check, Invoke and configuration, credentials echoed back by an
 * API), nothing stalls (outsize inputs through the plugin: deep, many, large, long ids).
 * Counted like the probe's classes and, with `npm run test:reliability`, recorded in
 * BENCHMARKS.md ("Reliability"); `npm test` asserts the zeros.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { CANARY_POLICY_TOKEN } from "../../src/native/schema.js";
import { type ControlSpec, EMULATOR_CONTROLS, type EmulatorControl, ROLES } from "../../src/wire/index.js";
import { startContractServer } from "../helpers/contract-server.js";
import { callJson, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { ALIAS, type Plugin, secret, startPlugin } from "../helpers/plugin.js";
import { canary } from "../helpers/policies.js";
import { bounded as boundedBy, type ClassFigures, recordFigures } from "../helpers/reliability.js";

const FIGURES: Record<string, ClassFigures> = {};
const blank = (): ClassFigures => ({ tried: 0, fiveHundreds: 0, crashes: 0, hangs: 0 });

/** A bound no call may pass (outsize inputs included); past it the call counts as a hang. */
const HANG_MS = 60_000;

const bounded = <T>(p: Promise<T>, f: ClassFigures) => boundedBy(p, f, HANG_MS);

afterAll(() => {
  console.log(JSON.stringify(FIGURES, null, 2));
  if (process.env.RECORD_RELIABILITY === "1") recordFigures(FIGURES);
});

describe("nothing escalates: the emulator's control endpoints", () => {
  it("every credential against every control and API call, with and without faults", async () => {
    const f = (FIGURES["emulator control by role"] = { ...blank(), escalations: 0 });
    const e = await startTestEmulator({
      apiKeys: ["owner-key", ...ROLES.map((r) => `${r}-key=${r}`)],
      oauthClients: ROLES.map((r) => `${r}-app=${r}-secret=${r}`),
    });
    try {
      const tokens: Record<string, string> = {};
      for (const role of ROLES) {
        const r = await fetch(`${e.url}/oauth2/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: `grant_type=client_credentials&client_id=${role}-app&client_secret=${role}-secret`,
        });
        tokens[role] = ((await r.json()) as { access_token: string }).access_token;
      }
      const owner = { "x-api-key": "owner-key" };
      const credential = fc.constantFrom(
        { role: undefined, headers: {} },
        { role: undefined, headers: { "x-api-key": "stranger" } },
        { role: undefined, headers: { authorization: "Bearer forged" } },
        ...ROLES.flatMap((role) => [
          { role, headers: { "x-api-key": `${role}-key` } },
          { role, headers: { authorization: `Bearer ${tokens[role]}` } },
        ]),
      );
      interface Call {
        control: EmulatorControl | undefined;
        method: string;
        path: string;
        body?: unknown;
      }
      const call = fc.constantFrom<Call>(
        ...(Object.entries(EMULATOR_CONTROLS) as [EmulatorControl, ControlSpec][]).map(([control, c]) => ({
          control,
          method: c.method,
          path: `${c.path}${c.query ? `?${c.query.join("=")}` : ""}`,
          ...(control === "faults.put" ? { body: { rate: 1, retry_after: 0 } } : {}),
        })),
        { control: undefined, method: "GET", path: "/v2/agents" },
        { control: undefined, method: "POST", path: "/v2/agents", body: { name: "x" } },
      );
      let faultsOn = 0;
      await fc.assert(
        fc.asyncProperty(credential, call, fc.boolean(), async (who, what, faults) => {
          f.tried++;
          await callJson(e.url, "PUT", "/_emulator/faults", faults ? { rate: 1, retry_after: 0 } : {}, owner);
          if (faults) faultsOn++;
          const spec: ControlSpec | undefined =
            what.control === undefined ? undefined : EMULATOR_CONTROLS[what.control];
          const r = await bounded(callJson(e.url, what.method, what.path, what.body, who.headers), f);
          if (r === undefined) return;
          if (r.status >= 500 && r.status !== 503) f.fiveHundreds++;
          const allowed =
            spec === undefined ||
            spec.roles === undefined ||
            (who.role !== undefined && (spec.roles as readonly string[]).includes(who.role));
          // An answer the credential is not entitled to: a control it may not make accepted, or
          // an unauthenticated call answered by a fault instead of its 401.
          if (who.role === undefined && spec?.roles !== undefined && r.status !== 401) f.escalations!++;
          if (who.role === undefined && spec === undefined && r.status !== 401) f.escalations!++;
          if (who.role !== undefined && !allowed && r.status !== 403) f.escalations!++;
          const config = (await callJson(e.url, "GET", "/_emulator/faults", undefined, owner)).body;
          const expected = faults || (what.control === "faults.put" && who.role === "owner") ? 1 : 0;
          if (config.rate !== expected) f.escalations!++;
        }),
        { numRuns: 500, seed: 2026_12_31 },
      );
      await callJson(e.url, "PUT", "/_emulator/faults", {}, owner);
      const health = await bounded(callJson(e.url, "GET", "/_emulator/health"), f);
      if (health?.status !== 200) f.crashes++;
      f.note = `${ROLES.length} roles by key and by token, no and wrong credentials, x ${Object.keys(EMULATOR_CONTROLS).length} controls and 2 API calls; ${faultsOn} tried with every call faulted`;
    } finally {
      await e.close();
    }
    expect(f).toMatchObject({ fiveHundreds: 0, crashes: 0, hangs: 0, escalations: 0 });
  });
});

describe("nothing leaks, nothing stalls: the native plugin", () => {
  let emu: TestEmulator;
  let plugin: Plugin;
  beforeAll(async () => {
    emu = await startTestEmulator({ apiKey: "probe-key" });
    for (const key of ["p-v1", "p-v2"]) await emu.call("POST", "/v2/agents", { key, name: key });
    plugin = await startPlugin();
    await plugin.configure({ apiUrl: emu.url, apiKey: secret("probe-key") });
  });
  afterAll(async () => {
    await plugin?.close();
    await emu?.close();
  });

  it("secrets in messages: Check, Invoke, the configuration and echoed bodies", async () => {
    const f = (FIGURES["secrets in messages"] = { ...blank(), leaks: 0 });
    const token = fc.stringMatching(/^[a-z0-9]{10}$/).map((s) => `Zq${s}`);
    const leaked = (text: string, s: string) => {
      if (text.includes(s)) f.leaks!++;
    };
    const wrapped = (v: unknown, s: string, where: number) => {
      // The secret placed in one of several spots, wrapped at the top or deeper.
      const spots: Record<string, unknown>[] = [
        { key: secret(`bad key ${s}`) },
        { name: secret(s.repeat(20)) },
        { metadata: secret({ [s]: s }) },
        { policy: secret(canary(50, 50, ["p-v1", s])) },
        {
          policy: {
            type: "routed",
            rules: [{ match: secret(`${s}(1)`), targets: { type: "single", agent_key: "p-v1" } }],
          },
        },
        {
          samples: secret([{ name: s, context: { session: { metadata: { user_id: s } } }, expect: "p-v2" }]),
        },
      ];
      return { ...(v as object), ...spots[where % spots.length] };
    };
    const echo = await startContractServer();
    try {
      await fc.assert(
        fc.asyncProperty(token, fc.nat(), async (s, where) => {
          f.tried += 4;
          const check = await bounded(
            plugin.check(ALIAS, wrapped({ key: "sm", name: "n", policy: canary(90, 10) }, s, where)),
            f,
          );
          if (check) leaked(JSON.stringify(check.failures), s);
          const invoke = await bounded(
            plugin.invoke(CANARY_POLICY_TOKEN, {
              from: "p-v1",
              to: "p-v2",
              partitionBy: "get('$.session.key')",
              current: secret(`${s} stage`),
            }),
            f,
          );
          if (invoke) leaked(JSON.stringify(invoke.failures), s);
          const config = await bounded(plugin.checkConfig({ apiUrl: secret(`not a url ${s}`) }), f);
          if (config) leaked(JSON.stringify(config.failures), s);
          echo.reset();
          echo.answer(/.*/, (req) => ({
            status: 400,
            body: { messages: [`sent ${JSON.stringify(req.headers)}`] },
          }));
          const client = new AgentAliasClient({
            baseUrl: echo.url,
            apiKey: s,
            retry: { maxAttempts: 1 },
            env: {},
          });
          const err = await bounded(
            client.getAlias("x").catch((e: Error) => e),
            f,
          );
          if (err instanceof Error) leaked(`${err.message} ${JSON.stringify(err)}`, s);
        }),
        { numRuns: 150, seed: 2026_12_30 },
      );
    } finally {
      await echo.close();
    }
    if ((await bounded(plugin.getPluginInfo(), f)) === undefined) f.crashes++;
    f.note =
      "secret-wrapped keys, names, metadata, policies (whole or one expression), samples, canary arguments and URLs; an API echoing the request's headers";
    expect(f).toMatchObject({ crashes: 0, hangs: 0, leaks: 0 });
  });

  it("outsize inputs: deep, many, large and long, each answered with a failure naming the property", async () => {
    const f = (FIGURES["outsize inputs through the plugin"] = blank());
    const nested = (n: number) => {
      let v: unknown = 1;
      for (let i = 0; i < n; i++) v = { a: v };
      return v;
    };
    const options = (n: number) => ({
      type: "routed",
      rules: [
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.key')",
            options: Array.from({ length: n }, (_, i) => ({ agent_key: `o-${i}`, weight: 1 })),
          },
        },
      ],
    });
    const base = { key: "big", name: "Big", policy: canary(90, 10) };
    const cases: [string, Record<string, unknown>][] = [
      ["metadata 65 levels", { ...base, metadata: nested(65) }],
      ["metadata 800 levels", { ...base, metadata: nested(800) }],
      ["metadata 1,500 levels", { ...base, metadata: nested(1500) }],
      ["1,001 options", { ...base, policy: options(1001) }],
      ["100,000 options", { ...base, policy: options(100_000) }],
      ["a 2 MiB description", { ...base, description: "d".repeat(2 * 1024 * 1024) }],
      ["a 300 KB key", { ...base, key: "k".repeat(300_000) }],
    ];
    const internal: string[] = [];
    for (const [name, inputs] of cases) {
      f.tried++;
      const r = await bounded(
        plugin.check(ALIAS, inputs).catch((e: Error & { code?: number }) => {
          if (e.code === 13) internal.push(name); // INTERNAL: a request the plugin could not read
          return undefined;
        }),
        f,
      );
      if (r !== undefined && r.failures.length === 0) f.crashes++; // passed what the API refuses
    }
    for (const call of ["read", "update", "delete"] as const) {
      f.tried++;
      const id = "x".repeat(300_000);
      const r = await bounded(
        (call === "read"
          ? plugin.read(ALIAS, id, base)
          : call === "update"
            ? plugin.update(ALIAS, id, base, { ...base, name: "n" })
            : plugin.delete(ALIAS, id, base)
        ).then(
          () => "",
          (e: Error & { code?: number }) => (e.code === 13 ? "internal" : e.message),
        ),
        f,
      );
      if (r === "internal") internal.push(`${call} of a 300 KB id`);
      if (r !== undefined && r.length > 10_000) f.crashes++;
    }
    f.crashes += internal.length;
    if ((await bounded(plugin.getPluginInfo(), f)) === undefined) f.crashes++;
    f.note = `${cases.map(([n]) => n).join(", ")}; Read, Update and Delete of a 300 KB id. Crashes here: an input passed that the API refuses, a gRPC INTERNAL (${internal.join(", ") || "none"}), an error message over 10,000 characters`;
    expect(f).toMatchObject({ crashes: 0, hangs: 0 });
  });
});
