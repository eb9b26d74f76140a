/**
 * The route table (wire/routes.ts): the client fills its path templates, and the emulator
 * serves every route in it and no other `/v2/` route.
 */
import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import { createEmulator } from "../../src/emulator/index.js";
import { API_ROUTES, type Operation, routeOperation, routePath } from "../../src/wire/index.js";

describe("routePath", () => {
  it("fills the template whose parameters are given, URL-encoding each", () => {
    expect(routePath("aliases.list", {})).toBe("/v2/agent_aliases");
    expect(routePath("aliases.replacePolicy", { alias_key: "a b/c" })).toBe(
      "/v2/agent_aliases/a%20b%2Fc/policy",
    );
    expect(routePath("sessions.get", { alias_key: "al", session_key: "s" })).toBe(
      "/v2/agent_aliases/al/sessions/s",
    );
    expect(routePath("events.list", { agent_key: "ag", session_key: "s" })).toBe(
      "/v2/agents/ag/sessions/s/events",
    );
    expect(routePath("traces.list", {})).toBe("/v2/agent_analytics/traces");
    expect(routePath("traces.get", { trace_id: "atr_1/2" })).toBe("/v2/agent_analytics/traces/atr_1%2F2");
  });

  it("refuses parameters that fill no template of the operation", () => {
    // @ts-expect-error a session needs its key
    expect(() => routePath("sessions.get", { alias_key: "al" })).toThrow(
      "sessions.get: no path takes the parameters [alias_key]",
    );
  });

  it("names the operation of each route", () => {
    expect(routeOperation("PUT", "/v2/agent_aliases/:alias_key/policy")).toBe("aliases.replacePolicy");
    expect(routeOperation("DELETE", "/v2/agents/:agent_key/sessions/:session_key")).toBe("sessions.delete");
    expect(routeOperation("GET", "/v2/agent_analytics/traces/:trace_id")).toBe("traces.get");
    expect(routeOperation("GET", "/v2/nothing")).toBeUndefined();
  });
});

describe("the emulator serves the table", () => {
  it("registers every route of every operation", async () => {
    const emu = await createEmulator({ apiKey: "k" });
    try {
      for (const [operation, r] of Object.entries(API_ROUTES) as [
        Operation,
        (typeof API_ROUTES)[Operation],
      ][]) {
        for (const url of r.paths)
          expect(emu.app.hasRoute({ method: r.method, url }), `${operation}: ${r.method} ${url}`).toBe(true);
      }
    } finally {
      await emu.close();
    }
  });

  it("refuses to register a /v2/ route the table does not hold", async () => {
    const emu = await createEmulator({ apiKey: "k" });
    try {
      // The app is fastify underneath; the package's types do not say so (see EmulatorApp).
      const app = emu.app as unknown as FastifyInstance;
      expect(() => app.get("/v2/unlisted", (_req, res) => res.send({}))).toThrow(
        "route GET /v2/unlisted has no operation in the route table (wire/routes.ts)",
      );
    } finally {
      await emu.close();
    }
  });
});
