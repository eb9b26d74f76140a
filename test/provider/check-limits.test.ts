/**
 * Preview refuses what `up` would be refused, and never stalls: check holds inputs to the
 * API's limits (API_LIMITS: nesting, counts, body size), with the property path, through both
 * doors, and agrees with the emulator at each edge; agent lookups are asked once each, a few
 * at a time, and past a few agents by one listing; an outsize policy costs no API call and
 * leaves the plugin answering; an outsize id is cut in messages and breaks no channel.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_LOOKUP } from "../../src/client/index.js";
import { API_LIMITS } from "../../src/wire/index.js";
import { type ProviderHost, serializeProvider, startProviderHost } from "../helpers/dynamic-provider.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type GateProxy, startGateProxy } from "../helpers/gate-proxy.js";
import { ALIAS, ALIAS_POLICY, type Plugin, type Props, pb, secret, startPlugin } from "../helpers/plugin.js";

const KEY = "limits-key";
const ALIAS_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/agent-alias:Alias::a";
const POLICY_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/agent-alias:AliasPolicy::p";
const AGENTS = 1001;

let emu: TestEmulator;
let proxy: GateProxy;
let plugin: Plugin;
let host: ProviderHost;
let providerText: string;
let policyProviderText: string;

beforeAll(async () => {
  emu = await startTestEmulator({ apiKey: KEY });
  for (let i = 0; i < AGENTS; i++) await emu.call("POST", "/v2/agents", { key: `a-${i}`, name: `a-${i}` });
  proxy = await startGateProxy(emu.url);
  plugin = await startPlugin();
  await plugin.configure({ apiUrl: proxy.url, apiKey: secret(KEY) });
  host = await startProviderHost();
  await host.configure({ "agent-alias:apiUrl": proxy.url, "agent-alias:apiKey": KEY });
  providerText = serializeProvider("aliasResourceProvider").text;
  policyProviderText = serializeProvider("aliasPolicyResourceProvider").text;
}, 120_000);
afterAll(async () => {
  await host?.close();
  await plugin?.close();
  await proxy?.close();
  await emu?.close();
});

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
/** A length-delimited field: tag, length, bytes. */
const field = (number: number, bytes: number[]): number[] => [
  ...varint(number * 8 + 2),
  ...varint(bytes.length),
  ...bytes,
];
const utf8 = (s: string) => [...Buffer.from(s)];

/**
 * A DiffRequest's (or with `check`, a CheckRequest's) bytes whose news hold `metadata` nested
 * `levels` deep, built without recursion (google-protobuf's own writer overflows the stack
 * long before the engine's does).
 */
function deepDiffRequest(levels: number, check = false): Uint8Array {
  const head = (number: number, length: number) => [...varint(number * 8 + 2), ...varint(length)];
  const inner = [...varint(2 * 8 + 1), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]; // Value{number_value: 1}
  // From the inside out, each level's prefix: Value{struct_value: Struct{fields: {a: <inner>}}}.
  const prefixes: number[][] = [];
  let length = inner.length;
  const key = field(1, utf8("a"));
  for (let i = 0; i < levels; i++) {
    const valueField = head(2, length);
    const entry = key.length + valueField.length + length;
    const entryHead = head(1, entry);
    const structHead = head(5, entryHead.length + entry);
    prefixes.push([...structHead, ...entryHead, ...key, ...valueField]);
    length += structHead.length + entryHead.length + key.length + valueField.length;
  }
  const deep = Buffer.concat([...prefixes.reverse().map((p) => Buffer.from(p)), Buffer.from(inner)]);
  const keyEntry = field(1, [...field(1, utf8("key")), ...field(2, field(3, utf8("lim")))]);
  const metaName = field(1, utf8("metadata"));
  const metaValueHead = head(2, deep.length);
  const metaEntryHead = head(1, metaName.length + metaValueHead.length + deep.length);
  const newsLength =
    keyEntry.length + metaEntryHead.length + metaName.length + metaValueHead.length + deep.length;
  // DiffRequest: id 1, urn 2, news 4; CheckRequest: urn 1, news 3, type 7.
  const urn = utf8(`urn:pulumi:dev::proj::${ALIAS}::lim`);
  const head0 = check
    ? [...field(1, urn), ...field(7, utf8(ALIAS))]
    : [...field(1, utf8("lim")), ...field(2, urn)];
  return Buffer.concat([
    Buffer.from(head0),
    Buffer.from([
      ...head(check ? 3 : 4, newsLength),
      ...keyEntry,
      ...metaEntryHead,
      ...metaName,
      ...metaValueHead,
    ]),
    deep,
  ]);
}

/** `n` objects nested: `{a: {a: … 1}}`. */
function nested(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}
const single = (agent: string) => ({ targets: { type: "single", agent_key: agent } });
const weighted = (n: number, from = 0) => ({
  targets: {
    type: "weighted",
    partition_by: "get('$.session.key')",
    options: Array.from({ length: n }, (_, i) => ({ agent_key: `a-${from + i}`, weight: 1 })),
  },
});
const policyOf = (...rules: unknown[]) => ({ type: "routed", rules });
const alias = (over: Props = {}): Props => ({
  key: "lim",
  name: "Limits",
  policy: policyOf(single("a-0")),
  ...over,
});

// Levels: the body is 1, so metadata may hold 63 nested objects (itself included).
const EDGES: { name: string; inputs: Props; refused?: string }[] = [
  { name: "metadata 63 levels deep", inputs: alias({ metadata: nested(API_LIMITS.jsonDepth - 1) }) },
  {
    name: "metadata 64 levels deep",
    inputs: alias({ metadata: nested(API_LIMITS.jsonDepth) }),
    refused: `metadata${".a".repeat(API_LIMITS.jsonDepth - 1)}`,
  },
  {
    name: "metadata 800 levels deep",
    inputs: alias({ metadata: nested(800) }),
    refused: `metadata${".a".repeat(API_LIMITS.jsonDepth - 1)}`,
  },
  {
    name: `${API_LIMITS.maxOptions} options`,
    inputs: alias({ policy: policyOf(weighted(API_LIMITS.maxOptions)) }),
  },
  {
    name: `${API_LIMITS.maxOptions + 1} options`,
    inputs: alias({ policy: policyOf(weighted(API_LIMITS.maxOptions + 1)) }),
    refused: "policy.rules[0].targets.options",
  },
  {
    name: `${API_LIMITS.maxRules} rules`,
    inputs: alias({
      policy: policyOf(
        ...Array.from({ length: API_LIMITS.maxRules - 1 }, (_, i) => ({
          match: `${i} == 1`,
          ...single("a-1"),
        })),
        single("a-0"),
      ),
    }),
  },
  {
    name: `${API_LIMITS.maxRules + 1} rules`,
    inputs: alias({
      policy: policyOf(
        ...Array.from({ length: API_LIMITS.maxRules }, (_, i) => ({ match: `${i} == 1`, ...single("a-1") })),
        single("a-0"),
      ),
    }),
    refused: "policy.rules",
  },
  { name: "a body just under 1 MiB", inputs: alias({ description: "d".repeat(API_LIMITS.bodyBytes - 400) }) },
  {
    name: "a body over 1 MiB",
    inputs: alias({ description: "d".repeat(API_LIMITS.bodyBytes) }),
    refused: "description",
  },
];

describe("check refuses exactly what the API refuses, naming the property", () => {
  it.each(EDGES)("$name: both doors agree with the emulator", async ({ inputs, refused }) => {
    const native = await plugin.check(ALIAS, inputs);
    const dynamic = await host.check(ALIAS_URN, {}, { ...inputs, __provider: providerText });
    const api = await emu.call("POST", "/v2/agent_aliases", inputs);
    if (api.status === 201) await emu.call("DELETE", "/v2/agent_aliases/lim");
    if (refused === undefined) {
      expect(api.status, JSON.stringify(api.body).slice(0, 300)).toBe(201);
      expect(native.failures).toEqual([]);
      expect(dynamic.failures).toEqual([]);
    } else {
      expect([400, 413]).toContain(api.status);
      // As the engine gets them: the path inside the reason, no property (engineFailure).
      expect(native.failures.map((f) => [f.property, f.reason.startsWith(`${refused}: `)])).toEqual([
        ["", true],
      ]);
      expect(dynamic.failures).toEqual(native.failures);
    }
  });

  it("the limits' words: nesting, counts and size", async () => {
    const deep = await plugin.check(ALIAS, alias({ metadata: nested(70) }));
    expect(deep.failures[0]!.reason).toBe(
      `metadata${".a".repeat(API_LIMITS.jsonDepth - 1)}: nested deeper than ${API_LIMITS.jsonDepth} levels (the API's limit)`,
    );
    const options = await plugin.check(
      ALIAS,
      alias({ policy: policyOf(weighted(API_LIMITS.maxOptions + 1)) }),
    );
    expect(options.failures[0]!.reason).toBe(
      `policy.rules[0].targets.options: rule #1: targets.options: at most ${API_LIMITS.maxOptions} options`,
    );
    const big = await plugin.check(ALIAS, alias({ description: "d".repeat(2 * API_LIMITS.bodyBytes) }));
    expect(big.failures[0]!.reason).toMatch(
      /^description: the alias's create body would be 2\.0 MiB \(description: 2\.0 MiB\), larger than the API takes \(1048576 bytes\)$/,
    );
    const policy = await plugin.check(ALIAS_POLICY, {
      aliasKey: "x",
      policy: policyOf(weighted(API_LIMITS.maxOptions + 1)),
    });
    expect(policy.failures.map((f) => f.reason.split(": ")[0])).toEqual(["policy.rules[0].targets.options"]);
    const dynamicPolicy = await host.check(
      POLICY_URN,
      {},
      {
        aliasKey: "x",
        policy: policyOf(weighted(API_LIMITS.maxOptions + 1)),
        __provider: policyProviderText,
      },
    );
    expect(dynamicPolicy.failures).toEqual(policy.failures);
  });

  // 1,500 levels are at the edge of what the reader takes (it depends on the stack the call
  // finds); 5,000 are past it every time.
  it("5,000 levels, more than the plugin's protobuf reader takes: Check answers a failure naming the property, not INTERNAL", async () => {
    const req = Object.create(pb.CheckRequest.prototype) as { serializeBinary(): Uint8Array };
    req.serializeBinary = () => deepDiffRequest(5000, true);
    const res = await plugin.call("check", req);
    const r = {
      failures: res.getFailuresList().map((f: { getProperty(): string; getReason(): string }) => ({
        property: f.getProperty(),
        reason: f.getReason(),
      })),
    };
    expect(r.failures).toEqual([
      {
        property: "",
        reason: `metadata${".a".repeat(API_LIMITS.jsonDepth - 1)}: nested deeper than ${API_LIMITS.jsonDepth} levels (the API's limit)`,
      },
    ]);
    expect(await plugin.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("any other call with values deeper than the reader takes (5,000 levels, as the engine may send): INVALID_ARGUMENT naming the property", async () => {
    const req = Object.create(pb.DiffRequest.prototype) as { serializeBinary(): Uint8Array };
    req.serializeBinary = () => deepDiffRequest(5000);
    const err = await plugin.call("diff", req).catch((e: Error) => e);
    expect((err as { code?: number }).code).toBe(3); // INVALID_ARGUMENT
    expect((err as Error).message).toBe(
      `3 INVALID_ARGUMENT: metadata${".a".repeat(API_LIMITS.jsonDepth - 1)}: nested deeper than ${API_LIMITS.jsonDepth} levels (the API's limit)`,
    );
    expect(await plugin.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** A plugin of its own (agents it found are remembered per process), through the proxy. */
async function freshPlugin(): Promise<Plugin> {
  const p = await startPlugin();
  await p.configure({ apiUrl: proxy.url, apiKey: secret(KEY) });
  return p;
}

describe("agent lookups: once each, a few at a time, bounded", () => {
  it("a 100,000-option policy: refused on size with no API call, and the plugin answers another call meanwhile", async () => {
    const plugin = await freshPlugin();
    const before = proxy.seen.length;
    const big = alias({ policy: policyOf(weighted(100_000)) });
    const [r, version, small] = await Promise.all([
      plugin.check(ALIAS, big),
      plugin.getPluginInfo(),
      plugin.check(ALIAS, alias({ key: "other" })),
    ]);
    expect(r.failures.map((f) => f.reason.split(": ")[0])).toEqual(["policy"]);
    expect(r.failures[0]!.reason).toContain("larger than the API takes");
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(small.failures).toEqual([]);
    // The small check asked about its one agent; the big one asked nothing.
    expect(proxy.seen.slice(before)).toEqual(["GET /v2/agents/a-0"]);
    await plugin.close();
  });

  it("many agents: one listing instead of a read each; the plugin answers while it is held", async () => {
    const plugin = await freshPlugin();
    const before = proxy.seen.length;
    const gate = proxy.hold(/^GET \/v2\/agents\?/);
    const policy = policyOf(weighted(900, 100), single("a-0"), single("missing-1"), single("missing-2"));
    // Rules after the catch-all are unreachable: give them matches.
    (policy.rules as { match?: string }[]).forEach((r, i) => {
      if (i < policy.rules.length - 1) r.match = `${i} == 1`;
    });
    const checking = plugin.check(ALIAS, alias({ key: "many", policy }));
    await gate.held;
    // While the listing is held, another call is answered.
    expect(await plugin.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
    gate.release();
    const r = await checking;
    expect(r.failures).toEqual([
      { property: "", reason: "policy: Alias references unknown agent(s): [missing-1, missing-2]" },
    ]);
    const calls = proxy.seen.slice(before);
    expect(calls.every((l) => l.startsWith("GET /v2/agents?limit=100"))).toBe(true);
    expect(calls).toHaveLength(Math.ceil(AGENTS / 100));
    await plugin.close();
  });

  it("a few agents, named many times: each asked once, several at a time", async () => {
    const plugin = await freshPlugin();
    const before = proxy.seen.length;
    const keys = Array.from({ length: AGENT_LOOKUP.listFrom }, (_, i) => `a-${200 + i}`);
    const rules = Array.from({ length: 300 }, (_, i) => ({
      match: `${i} == 1`,
      ...single(keys[i % keys.length]!),
    }));
    const r = await plugin.check(ALIAS, alias({ key: "few", policy: policyOf(...rules, single(keys[0]!)) }));
    expect(r.failures).toEqual([]);
    const calls = proxy.seen.slice(before);
    expect([...calls].sort()).toEqual(keys.map((k) => `GET /v2/agents/${k}`).sort());
    expect(proxy.maxInFlight).toBeGreaterThan(1);
    expect(proxy.maxInFlight).toBeLessThanOrEqual(AGENT_LOOKUP.concurrent + 1);
    await plugin.close();
  });
});

describe("an outsize id", () => {
  it("is cut in the messages of Read, Update and Delete, and the channel keeps working", async () => {
    const id = "x".repeat(300_000);
    const read = await plugin.read(ALIAS, id, alias()).catch((e: Error) => e);
    const update = await plugin.update(ALIAS, id, alias(), alias({ name: "changed" })).catch((e: Error) => e);
    for (const e of [read, update]) {
      expect(e).toBeInstanceOf(Error);
      expect((e as Error).message.length).toBeLessThan(2000);
      expect((e as Error).message).toContain("(300000 characters)");
    }
    await plugin.delete(ALIAS, id, alias()).catch((e: Error) => {
      expect(e.message.length).toBeLessThan(2000);
    });
    expect(await plugin.getPluginInfo()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await plugin.check(ALIAS, alias())).failures).toEqual([]);
  });
});
