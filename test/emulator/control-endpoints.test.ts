/**
 * Who may call the emulator's own endpoints (EMULATOR_CONTROLS): every role, by key and by
 * OAuth token, against every control; authentication answered before injected faults; and a
 * warning when the emulator listens beyond loopback with no credential configured.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATOR_CONTROLS, type EmulatorControl, ROLES, type Role } from "../../src/wire/index.js";
import { callJson, runEmulatorInProcess, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({
    apiKeys: ["owner-key", ...ROLES.map((r) => `${r}-key=${r}`)],
    oauthClients: ROLES.map((r) => `${r}-app=${r}-secret=${r}`),
  });
});
afterAll(() => e.close());

/** One call per control; a PUT of the faults clears them, so no call leaves faults behind. */
const CALLS: Record<EmulatorControl, [string, string, unknown?]> = {
  health: ["GET", "/_emulator/health"],
  stats: ["GET", "/_emulator/stats"],
  memory: ["GET", "/_emulator/memory"],
  "memory.gc": ["GET", "/_emulator/memory?gc=true"],
  "faults.get": ["GET", "/_emulator/faults"],
  "faults.put": ["PUT", "/_emulator/faults", {}],
};

async function tokenOf(role: Role): Promise<string> {
  const r = await fetch(`${e.url}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: `${role}-app`,
      client_secret: `${role}-secret`,
    }).toString(),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

describe("the emulator's control endpoints", () => {
  it("the table: reading is open to every role, faults and a forced GC to owner only", () => {
    expect(EMULATOR_CONTROLS["faults.put"].roles).toEqual(["owner"]);
    expect(EMULATOR_CONTROLS["memory.gc"].roles).toEqual(["owner"]);
    expect(EMULATOR_CONTROLS.health.roles).toBeUndefined();
    for (const c of ["stats", "memory", "faults.get"] as const)
      expect(EMULATOR_CONTROLS[c].roles).toEqual(ROLES);
  });

  const cases = ROLES.flatMap((role) =>
    (Object.keys(CALLS) as EmulatorControl[]).flatMap((c) =>
      (["key", "token"] as const).map((how) => [role, c, how] as [Role, EmulatorControl, "key" | "token"]),
    ),
  );
  it.each(cases)(
    "%s calling %s with its %s: 403 exactly when the table says so",
    async (role, control, how) => {
      const [method, path, body] = CALLS[control];
      const headers =
        how === "key" ? { "x-api-key": `${role}-key` } : { authorization: `Bearer ${await tokenOf(role)}` };
      const r = await callJson(e.url, method, path, body, headers);
      const roles = EMULATOR_CONTROLS[control].roles as readonly Role[] | undefined;
      if (roles === undefined || roles.includes(role)) {
        // memory.gc needs --expose-gc: a 400 saying so is still "allowed".
        expect([200, 400], JSON.stringify(r.body)).toContain(r.status);
      } else {
        expect(r.status).toBe(403);
        expect(r.body.messages).toEqual([`Permissions do not allow ${EMULATOR_CONTROLS[control].refusal}.`]);
      }
    },
  );

  it("a refused PUT of the faults changes nothing: the owner's next call is answered", async () => {
    for (const role of ROLES.filter((r) => r !== "owner")) {
      const r = await callJson(
        e.url,
        "PUT",
        "/_emulator/faults",
        { rate: 1 },
        { "x-api-key": `${role}-key` },
      );
      expect(r.status).toBe(403);
    }
    expect(
      (await callJson(e.url, "GET", "/_emulator/faults", undefined, { "x-api-key": "owner-key" })).body.rate,
    ).toBe(0);
    expect((await callJson(e.url, "GET", "/v2/agents", undefined, { "x-api-key": "owner-key" })).status).toBe(
      200,
    );
  });

  it("no credential: 401 on every control but health", async () => {
    for (const [control, [method, path, body]] of Object.entries(CALLS)) {
      const r = await callJson(e.url, method, path, body);
      expect(r.status, control).toBe(control === "health" ? 200 : 401);
    }
  });
});

describe("authentication before faults", () => {
  it("while every call is faulted, a missing or wrong credential is 401 and a refused role 403, never 503", async () => {
    const owner = { "x-api-key": "owner-key" };
    expect(
      (await callJson(e.url, "PUT", "/_emulator/faults", { rate: 1, retry_after: 0 }, owner)).status,
    ).toBe(200);
    try {
      expect((await callJson(e.url, "GET", "/v2/agents")).status).toBe(401);
      expect(
        (await callJson(e.url, "GET", "/v2/agents", undefined, { "x-api-key": "stranger" })).status,
      ).toBe(401);
      expect(
        (await callJson(e.url, "POST", "/v2/agents", { name: "x" }, { "x-api-key": "viewer-key" })).status,
      ).toBe(403);
      // An allowed call meets the fault.
      expect((await callJson(e.url, "GET", "/v2/agents", undefined, owner)).status).toBe(503);
    } finally {
      await callJson(e.url, "PUT", "/_emulator/faults", {}, owner);
    }
  });
});

describe("listening beyond loopback", () => {
  const outcome = async (argv: string[]) => {
    const cmd = runEmulatorInProcess(["--port", "0", ...argv]);
    await cmd.url;
    cmd.stop();
    expect(await cmd.exit).toBe(0);
    return cmd.err();
  };

  it("with no key configured, warns on stderr that anyone is owner", async () => {
    const err = await outcome(["--host", "0.0.0.0"]);
    expect(err).toContain(
      "agent-alias emulator: warning: listening on 0.0.0.0 with no API key or OAuth client",
    );
    expect(err).toContain("give --api-key");
  });

  it("no warning on loopback, nor with a key or an OAuth client", async () => {
    expect(await outcome([])).not.toContain("warning");
    expect(await outcome(["--host", "0.0.0.0", "--api-key", "k"])).not.toContain("warning");
    expect(await outcome(["--host", "0.0.0.0", "--oauth-client", "a=b"])).not.toContain("warning");
  });
});
