/** Auth (API.md): `x-api-key` or `Authorization: Bearer`; missing or wrong is 401; health needs none. */
import { afterEach, describe, expect, it } from "vitest";
import { callJson, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

describe("auth with a configured key", () => {
  it("accepts x-api-key and Authorization: Bearer with the key", async () => {
    e = await startTestEmulator({ apiKey: "s3cret" });
    expect((await callJson(e.url, "GET", "/v2/agents", undefined, { "x-api-key": "s3cret" })).status).toBe(
      200,
    );
    expect(
      (await callJson(e.url, "GET", "/v2/agents", undefined, { authorization: "Bearer s3cret" })).status,
    ).toBe(200);
    expect(
      (await callJson(e.url, "GET", "/v2/agents", undefined, { authorization: "bearer s3cret" })).status,
    ).toBe(200);
  });

  it("401 for a missing or wrong key, before the body is even read", async () => {
    e = await startTestEmulator({ apiKey: "s3cret" });
    const missing = await callJson(e.url, "POST", "/v2/agents", "{not json");
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      messages: ["Missing API key: send x-api-key or Authorization: Bearer"],
      request_id: expect.any(String),
    });
    for (const headers of [
      { "x-api-key": "nope" },
      { authorization: "Bearer nope" },
      { authorization: "Basic czNjcmV0" },
    ]) {
      const r = await callJson(e.url, "GET", "/v2/agents", undefined, headers);
      expect(r.status).toBe(401);
    }
    expect(
      (await callJson(e.url, "GET", "/v2/agents", undefined, { "x-api-key": "nope" })).body.messages,
    ).toEqual(["Invalid API key"]);
  });

  it("health needs no key; stats and faults do", async () => {
    e = await startTestEmulator({ apiKey: "s3cret" });
    expect((await callJson(e.url, "GET", "/_emulator/health")).body).toEqual({ status: "ok" });
    expect((await callJson(e.url, "GET", "/_emulator/stats")).status).toBe(401);
    expect((await callJson(e.url, "PUT", "/_emulator/faults", { rate: 1 })).status).toBe(401);
  });

  it("takes the key from AGENT_ALIAS_API_KEY when none is given", async () => {
    const { startEmulator } = await import("../../src/emulator/index.js");
    const running = await startEmulator({ port: 0, env: { AGENT_ALIAS_API_KEY: "from-env" } });
    try {
      expect(
        (await callJson(running.url, "GET", "/v2/agents", undefined, { "x-api-key": "from-env" })).status,
      ).toBe(200);
      expect(
        (await callJson(running.url, "GET", "/v2/agents", undefined, { "x-api-key": "other" })).status,
      ).toBe(401);
    } finally {
      await running.close();
    }
  });
});

describe("auth with no key configured", () => {
  it("accepts any non-empty key, refuses none", async () => {
    const { startEmulator } = await import("../../src/emulator/index.js");
    const running = await startEmulator({ port: 0, env: {} });
    try {
      expect(
        (await callJson(running.url, "GET", "/v2/agents", undefined, { "x-api-key": "anything" })).status,
      ).toBe(200);
      expect(
        (await callJson(running.url, "GET", "/v2/agents", undefined, { authorization: "Bearer x" })).status,
      ).toBe(200);
      expect((await callJson(running.url, "GET", "/v2/agents", undefined, { "x-api-key": "" })).status).toBe(
        401,
      );
      expect(
        (await callJson(running.url, "GET", "/v2/agents", undefined, { authorization: "Bearer " })).status,
      ).toBe(401);
      expect((await callJson(running.url, "GET", "/v2/agents")).status).toBe(401);
    } finally {
      await running.close();
    }
  });
});
