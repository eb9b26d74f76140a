/**
 * Bad input never yields a 5xx: malformed JSON, wrong types, unknown fields, oversized bodies,
 * odd keys, `__proto__`, deep nesting, wrong content types. Each is a 4xx naming the field,
 * and the server keeps serving.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorBodySchema } from "../../src/wire/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({ bodyLimit: 64 * 1024 });
  await e.call("POST", "/v2/agents", { key: "a", name: "A" });
  await e.call("POST", "/v2/agent_aliases", {
    key: "al",
    name: "Al",
    policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] },
  });
  await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "s" });
});
afterAll(async () => {
  await e.close();
});

async function expectHealthy(): Promise<void> {
  expect((await e.call("GET", "/_emulator/health")).status).toBe(200);
}

describe("malformed bodies", () => {
  it("malformed JSON: 400 naming `body`", async () => {
    for (const text of ["{", '{"name": "x",}', "nul", "{'name': 'x'}", '{"name": "x"} trailing']) {
      const r = await e.call("POST", "/v2/agents", text);
      expect(r.status).toBe(400);
      expect(errorBodySchema.parse(r.body).field_errors?.body).toMatch(/^body: is not valid JSON/);
    }
    await expectHealthy();
  });

  it("a JSON body that is not an object: 400 `body: must be a JSON object`", async () => {
    for (const text of ["[]", '"x"', "42", "null", "true"]) {
      const r = await e.call("POST", "/v2/agents", text);
      expect(r.status).toBe(400);
      expect(r.body.field_errors).toEqual({ body: "body: must be a JSON object" });
    }
    const empty = await e.call("POST", "/v2/agents", "");
    expect(empty.status).toBe(400);
    // A session needs nothing, so an empty body is fine there.
    expect((await e.call("POST", "/v2/agents/a/sessions", "")).status).toBe(201);
  });

  it("a body over the limit: 413 naming `body`; the server keeps serving", async () => {
    const r = await e.call("POST", "/v2/agents", { name: "big", description: "x".repeat(70 * 1024) });
    expect(r.status).toBe(413);
    expect(r.body.messages).toEqual(["body: larger than the limit of 65536 bytes"]);
    expect(r.body.field_errors).toEqual({ body: "larger than 65536 bytes" });
    await expectHealthy();
  });

  it("the default limit is 1 MiB", async () => {
    const d = await startTestEmulator();
    try {
      const under = await d.call("POST", "/v2/agents", {
        name: "under",
        description: "x".repeat(1024 * 1024 - 100),
      });
      expect(under.status).toBe(201);
      const over = await d.call("POST", "/v2/agents", { name: "over", description: "x".repeat(1024 * 1024) });
      expect(over.status).toBe(413);
    } finally {
      await d.close();
    }
  });

  it("wrong content type: 415 naming `body`", async () => {
    const plain = await e.call("POST", "/v2/agents", '{"name":"x"}', { "content-type": "text/plain" });
    expect(plain.status).toBe(415);
    expect(plain.body.messages).toEqual(["body: Content-Type must be application/json"]);
    const form = await e.call("POST", "/v2/agents", "name=x", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(415);
    const charset = await e.call(
      "POST",
      "/v2/agents",
      { name: "charset" },
      { "content-type": "application/json; charset=utf-8" },
    );
    expect(charset.status).toBe(201);
  });

  it("nesting deeper than 64 levels: 400 naming where", async () => {
    const n = 30_000;
    const r = await e.call(
      "POST",
      "/v2/agents",
      `{"name":"deep","metadata":{"x":${"[".repeat(n)}1${"]".repeat(n)}}}`,
    );
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.field_errors)[0]).toMatch(/^metadata\.x\[0\]\[0\]/);
    expect(r.body.messages[0]).toMatch(/nested deeper than 64 levels$/);
    await expectHealthy();
  });
});

describe("limits at the edge", () => {
  const nested = (levels: number) => {
    // The body is level 1, metadata level 2, then `levels - 2` arrays.
    const k = levels - 2;
    return `{"name":"edge","metadata":{"x":${"[".repeat(k)}1${"]".repeat(k)}}}`;
  };

  it("64 levels of nesting pass, 65 do not", async () => {
    expect((await e.call("POST", "/v2/agents", nested(64))).status).toBe(201);
    const over = await e.call("POST", "/v2/agents", nested(65));
    expect(over.status).toBe(400);
    expect(over.body.messages[0]).toMatch(/nested deeper than 64 levels$/);
  });

  it("a body of exactly the limit passes, one byte more is 413", async () => {
    const fill = (n: number) => {
      const empty = JSON.stringify({ name: "edge", description: "" });
      return JSON.stringify({ name: "edge", description: "x".repeat(n - empty.length) });
    };
    expect((await e.call("POST", "/v2/agents", fill(64 * 1024))).status).toBe(201);
    expect((await e.call("POST", "/v2/agents", fill(64 * 1024 + 1))).status).toBe(413);
  });

  it("names of 100 characters pass, 101 do not; keys of 50 pass, 51 do not", async () => {
    expect((await e.call("POST", "/v2/agents", { key: "k".repeat(50), name: "n".repeat(100) })).status).toBe(
      201,
    );
    expect((await e.call("POST", "/v2/agents", { name: "n".repeat(101) })).status).toBe(400);
    expect((await e.call("POST", "/v2/agents", { key: "k".repeat(51), name: "n" })).status).toBe(400);
  });

  it("filters of 256 characters pass, 257 do not", async () => {
    expect((await e.call("GET", `/v2/agent_aliases?filter=${"a".repeat(256)}`)).status).toBe(200);
    expect((await e.call("GET", `/v2/agent_aliases?filter=${"a".repeat(257)}`)).status).toBe(400);
  });
});

describe("__proto__ and friends", () => {
  it("`__proto__` anywhere in a body: 400 naming the field, and nothing is polluted", async () => {
    const cases: [string, string][] = [
      ['{"name":"x","metadata":{"__proto__":{"polluted":true}}}', "metadata.__proto__"],
      ['{"name":"x","metadata":{"a":[{"\\u005f_proto__":{"polluted":true}}]}}', "metadata.a[0].__proto__"],
      ['{"__proto__":{"polluted":true},"name":"x"}', "__proto__"],
    ];
    for (const [text, path] of cases) {
      const r = await e.call("POST", "/v2/agents", text);
      expect(r.status).toBe(400);
      expect(r.body.field_errors).toEqual({ [path]: `${path}: the key '__proto__' is not allowed` });
    }
    const session = await e.call(
      "POST",
      "/v2/agent_aliases/al/sessions",
      '{"metadata":{"__proto__":{"x":1}}}',
    );
    expect(session.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("`constructor` and `prototype` are plain data in metadata", async () => {
    const r = await e.call("POST", "/v2/agents", {
      name: "ctor",
      metadata: { constructor: 1, prototype: { a: 2 } },
    });
    expect(r.status).toBe(201);
    expect((await e.call("GET", `/v2/agents/${r.body.key}`)).body.metadata).toEqual({
      constructor: 1,
      prototype: { a: 2 },
    });
  });

  it("keys `__proto__`, `constructor`, `hasOwnProperty` are ordinary keys (they match the key pattern)", async () => {
    for (const key of ["__proto__", "constructor", "hasOwnProperty"]) {
      expect((await e.call("GET", `/v2/agents/${key}`)).status).toBe(404);
      expect((await e.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
      expect((await e.call("GET", `/v2/agents/${key}`)).body.key).toBe(key);
    }
    const policy = {
      type: "routed",
      rules: [
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.key')",
            options: [
              { agent_key: "__proto__", weight: 1 },
              { agent_key: "constructor", weight: 1 },
            ],
          },
        },
      ],
    };
    expect(
      (await e.call("POST", "/v2/agent_aliases", { key: "__proto__", name: "proto", policy })).status,
    ).toBe(201);
    for (let i = 0; i < 20; i++) {
      expect((await e.call("POST", "/v2/agent_aliases/__proto__/sessions", { key: `p${i}` })).status).toBe(
        201,
      );
    }
    const stats = (await e.call("GET", "/_emulator/stats")).body;
    expect(Object.hasOwn(stats.aliases, "__proto__")).toBe(true);
    const counts = Object.getOwnPropertyDescriptor(stats.aliases, "__proto__")!.value.agents;
    expect(Object.hasOwn(counts, "__proto__") || Object.hasOwn(counts, "constructor")).toBe(true);
    expect(Object.values(counts).reduce((a: number, b) => a + (b as number), 0)).toBe(20);
  });
});

describe("odd keys", () => {
  it("in bodies: 400 naming `key`", async () => {
    for (const key of ["", "a b", "a/b", "ünï", "a.b", "x".repeat(51), "<script>", "a\nb"]) {
      const r = await e.call("POST", "/v2/agents", { key, name: "x" });
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.field_errors)).toEqual(["key"]);
    }
  });

  it("in paths: 400 naming the parameter, or 404 for a path that is no call", async () => {
    for (const raw of ["a%20b", "%E2%9C%93", "a.b", "x".repeat(51), "%00", "...", "a%2Fb"]) {
      const r = await e.call("GET", `/v2/agents/${raw}`);
      expect(r.status).toBe(400);
      expect(r.body.field_errors).toEqual({ agent_key: expect.stringMatching(/^agent_key: must be/) });
    }
    const session = await e.call("GET", "/v2/agent_aliases/al/sessions/bad%20key");
    expect(Object.keys(session.body.field_errors)).toEqual(["session_key"]);
    const tooLong = await e.call("GET", `/v2/agents/${"x".repeat(2000)}`);
    expect(tooLong.status).toBeGreaterThanOrEqual(400);
    expect(tooLong.status).toBeLessThan(500);
    // fetch resolves dot segments before sending, so these reach other routes (or none).
    for (const raw of ["..", "%2e%2e", "."]) {
      const r = await e.call("GET", `/v2/agents/${raw}`);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const unknown = await e.call("GET", "/v2/nothing");
    expect(unknown.status).toBe(404);
    expect(unknown.body.messages).toEqual(["No such call: GET /v2/nothing"]);
    await expectHealthy();
  });
});

describe("no 5xx for any JSON body (property)", () => {
  const targets: [string, string][] = [
    ["POST", "/v2/agents"],
    ["PATCH", "/v2/agents/a"],
    ["POST", "/v2/agent_aliases"],
    ["PATCH", "/v2/agent_aliases/al"],
    ["PUT", "/v2/agent_aliases/al/policy"],
    ["POST", "/v2/agent_aliases/al/sessions"],
    ["POST", "/v2/agents/a/sessions"],
    ["POST", "/v2/agent_aliases/al/sessions/s/events"],
    ["PUT", "/_emulator/faults"],
  ];
  const policyish = fc.record(
    {
      type: fc.oneof(fc.constant("routed"), fc.string()),
      rules: fc.array(
        fc.record(
          {
            match: fc.oneof(fc.string(), fc.constant("get('$.session.metadata.x') == 1"), fc.constant(null)),
            targets: fc.oneof(
              fc.record({ type: fc.constant("single"), agent_key: fc.oneof(fc.constant("a"), fc.string()) }),
              fc.record(
                {
                  type: fc.constant("weighted"),
                  partition_by: fc.oneof(fc.string(), fc.constant("get('$.session.key')")),
                  options: fc.array(
                    fc.record({ agent_key: fc.constant("a"), weight: fc.oneof(fc.integer(), fc.double()) }),
                  ),
                },
                { requiredKeys: ["type"] },
              ),
              fc.jsonValue(),
            ),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        key: fc.oneof(fc.string({ maxLength: 60 }), fc.constant("k"), fc.jsonValue()),
        name: fc.oneof(fc.string({ maxLength: 120 }), fc.jsonValue()),
        description: fc.jsonValue(),
        metadata: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
        enabled: fc.jsonValue(),
        policy: fc.oneof(policyish, fc.jsonValue()),
        type: fc.oneof(fc.constant("input_message"), fc.jsonValue()),
        messages: fc.oneof(
          fc.array(fc.record({ type: fc.constant("text"), content: fc.jsonValue() })),
          fc.jsonValue(),
        ),
        rate: fc.jsonValue(),
      },
      { requiredKeys: [] },
    ),
  );

  it("answers every generated body with a 2xx or a 4xx that carries the error body", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), body, async ([method, path], b) => {
        const r = await e.call(method, path, JSON.stringify(b));
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) {
          const err = errorBodySchema.parse(r.body);
          expect(err.messages.length).toBeGreaterThan(0);
          if (r.status === 400) expect(Object.keys(err.field_errors ?? {}).length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400, seed: 20260602 },
    );
    await e.call("PUT", "/_emulator/faults", {});
    await expectHealthy();
  });
});

describe("what the router and Node's HTTP parser refuse, in the API's error body", () => {
  /** Sends raw bytes and returns the status and the parsed body of the answer. */
  async function raw(text: string): Promise<{ status: number; body: unknown }> {
    const { connect } = await import("node:net");
    const u = new URL(e.url);
    const answer = await new Promise<string>((resolve) => {
      let out = "";
      const s = connect(Number(u.port), u.hostname, () => s.write(text));
      s.on("data", (d) => (out += d));
      s.on("close", () => resolve(out));
    });
    const [head, body] = answer.split("\r\n\r\n");
    return { status: Number(head!.split(" ")[1]), body: JSON.parse(body!) };
  }
  const get = (path: string, headers = "") =>
    `GET ${path} HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n${headers}Connection: close\r\n\r\n`;

  it.each([
    [
      "a path parameter over the router's limit",
      get(`/v2/agent_aliases/${"a".repeat(600)}`),
      414,
      "path: longer than 512 characters",
    ],
    ["bad URL encoding", get("/v2/agent_aliases/%E0%A4%A"), 400, "path: is not valid URL encoding"],
    [
      "headers too large",
      get("/v2/agents", `X-Big: ${"b".repeat(20_000)}\r\n`),
      431,
      "headers: larger than the server accepts",
    ],
    ["a malformed header line", get("/v2/agents", "Bad Header\r\n"), 400, "request: not valid HTTP"],
  ])("%s: %i", async (_label, request, status, message) => {
    const r = await raw(request);
    expect(r.status).toBe(status);
    expect(errorBodySchema.parse(r.body)).toMatchObject({
      messages: [message],
      request_id: expect.any(String),
    });
    await expectHealthy();
  });
});
