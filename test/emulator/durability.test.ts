/**
 * `--data FILE`: every write answered 2xx survives `kill -9`; a torn last record is cut off;
 * a corrupt record in the middle stops the start with a message naming the line.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildEmulatorEntry,
  callJson,
  type EmulatorProcess,
  type Json,
  spawnEmulator,
} from "../helpers/emulator.js";

const KEY = "durable-key";
const H = { "x-api-key": KEY };
const dirs: string[] = [];

function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-data-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}

const canary = (v1: number, v2: number) => ({
  type: "routed",
  rules: [
    { match: "get('$.session.metadata.tenant') == 'eu'", targets: { type: "single", agent_key: "eu" } },
    {
      targets: {
        type: "weighted",
        partition_by: "get('$.session.metadata.user_id', '')",
        options: [
          { agent_key: "v1", weight: v1 },
          { agent_key: "v2", weight: v2 },
        ],
      },
    },
  ],
});

async function stop(p: EmulatorProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await p.exited;
}

beforeAll(async () => {
  await buildEmulatorEntry();
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("kill -9 loses nothing acknowledged", () => {
  it("replays agents, aliases, policy replacements, sessions, events and deletions after SIGKILL", async () => {
    const file = dataFile();
    let p = await spawnEmulator(["--port", "0", "--data", file, "--api-key", KEY]);
    const acked: Json[] = [];
    try {
      const call = (m: string, path: string, body?: unknown) => callJson(p.url, m, path, body, H);
      for (const key of ["v1", "v2", "eu", "gone"]) {
        expect((await call("POST", "/v2/agents", { key, name: `Agent ${key}` })).status).toBe(201);
      }
      expect(
        (await call("PATCH", "/v2/agents/v2", { description: "the canary", metadata: { tier: 2 } })).status,
      ).toBe(200);
      expect((await call("DELETE", "/v2/agents/gone")).status).toBe(204);
      expect(
        (await call("POST", "/v2/agent_aliases", { key: "support", name: "Support", policy: canary(100, 0) }))
          .status,
      ).toBe(201);
      expect(
        (await call("POST", "/v2/agent_aliases", { key: "temp", name: "Temp", policy: canary(1, 1) })).status,
      ).toBe(201);
      expect((await call("DELETE", "/v2/agent_aliases/temp")).status).toBe(204);
      expect((await call("PUT", "/v2/agent_aliases/support/policy", { policy: canary(50, 50) })).status).toBe(
        200,
      );
      expect(
        (await call("PATCH", "/v2/agent_aliases/support", { description: "canary at 50%" })).status,
      ).toBe(200);

      // Sessions in parallel, so that several share one group commit.
      const created = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          call("POST", "/v2/agent_aliases/support/sessions", {
            key: `s${i}`,
            metadata: { user_id: `user-${i}`, tenant: i % 10 === 0 ? "eu" : "us" },
          }),
        ),
      );
      for (const r of created) {
        expect(r.status).toBe(201);
        acked.push(r.body);
      }
      const direct = await call("POST", "/v2/agents/v1/sessions", { name: "Direct one" });
      expect(direct.status).toBe(201);
      acked.push(direct.body);
      const ev = await call("POST", "/v2/agent_aliases/support/sessions/s1/events", {
        type: "input_message",
        messages: [{ type: "text", content: "hello" }],
      });
      expect(ev.status).toBe(201);
      expect((await call("DELETE", "/v2/agent_aliases/support/sessions/s2")).status).toBe(204);

      // Writes still in flight when the process dies may or may not survive; acknowledged ones must.
      const inFlight = Array.from({ length: 50 }, (_, i) =>
        call("POST", "/v2/agents/v2/sessions", { key: `late${i}` }).catch(() => null),
      );
      p.child.kill("SIGKILL");
      const late = await Promise.all(inFlight);
      for (const r of late) if (r?.status === 201) acked.push(r.body);
      await p.exited;

      // A torn last record, as a crash in the middle of a write leaves it.
      appendFileSync(file, '{"op":"session.create","session":{"key":"torn","na');

      p = await spawnEmulator(["--port", "0", "--data", file, "--api-key", KEY]);
      expect(p.stderr()).toMatch(/cut off a torn last record/);
      const again = (m: string, path: string, body?: unknown) => callJson(p.url, m, path, body, H);

      const v2 = await again("GET", "/v2/agents/v2");
      expect(v2.body).toMatchObject({ key: "v2", description: "the canary", metadata: { tier: 2 } });
      expect(v2.body.updated_at).toEqual(expect.any(String));
      expect((await again("GET", "/v2/agents/gone")).status).toBe(404);
      expect((await again("GET", "/v2/agent_aliases/temp")).status).toBe(404);
      const alias = await again("GET", "/v2/agent_aliases/support");
      expect(alias.body.policy).toEqual(canary(50, 50));
      expect(alias.body.description).toBe("canary at 50%");

      for (const s of acked) {
        const path =
          s.alias_key === null
            ? `/v2/agents/${s.agent_key}/sessions/${s.key}`
            : `/v2/agent_aliases/support/sessions/${s.key}`;
        const got = await again("GET", path);
        if (s.key === "s2") {
          expect(got.status).toBe(404);
          continue;
        }
        expect(got.status).toBe(200);
        // s1 got an input, which started it.
        expect(got.body).toEqual(s.key === "s1" ? { ...s, status: "running" } : s);
      }
      const events = await again("GET", "/v2/agents/" + acked[1].agent_key + "/sessions/s1/events");
      expect(events.body.events.map((e: Json) => e.type)).toEqual(["input_message", "agent_output"]);
      expect(events.body.events[1].content).toBe(`[${acked[1].agent_key}] echo: hello`);

      // Statistics are rebuilt from the replayed sessions (creations, so s2 still counts).
      const stats = (await again("GET", "/_emulator/stats")).body;
      const byAgent: Record<string, number> = {};
      for (const s of created) byAgent[s.body.agent_key] = (byAgent[s.body.agent_key] ?? 0) + 1;
      expect(stats.aliases.support.agents).toEqual(byAgent);
      expect(stats.aliases.support.sessions).toBe(200);

      // The torn tail is gone from the file, and new writes append cleanly after it.
      expect((await again("POST", "/v2/agents/v1/sessions", { key: "after-restart" })).status).toBe(201);
      p.child.kill("SIGKILL");
      await p.exited;
      const lines = readFileSync(file, "utf8").split("\n");
      expect(lines.pop()).toBe("");
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      p = await spawnEmulator(["--port", "0", "--data", file, "--api-key", KEY]);
      expect(
        (await callJson(p.url, "GET", "/v2/agents/v1/sessions/after-restart", undefined, H)).status,
      ).toBe(200);
      expect(p.stderr()).not.toMatch(/torn/);
    } finally {
      await stop(p);
    }
  });

  it("refuses to start on a corrupt record followed by good ones, naming the line", async () => {
    const file = dataFile();
    const p = await spawnEmulator(["--port", "0", "--data", file, "--api-key", KEY]);
    try {
      expect((await callJson(p.url, "POST", "/v2/agents", { key: "a", name: "A" }, H)).status).toBe(201);
      expect((await callJson(p.url, "POST", "/v2/agents", { key: "b", name: "B" }, H)).status).toBe(201);
    } finally {
      await stop(p);
    }
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = "{garbage";
    writeFileSync(file, lines.join("\n"));
    await expect(spawnEmulator(["--port", "0", "--data", file])).rejects.toThrow(/line 2 is corrupt/);
  });

  it("refuses a file that is not an emulator data file, and leaves it alone", async () => {
    const file = dataFile();
    writeFileSync(file, "precious: yaml\n");
    await expect(spawnEmulator(["--port", "0", "--data", file])).rejects.toThrow(
      /not an agent-alias emulator data file/,
    );
    expect(readFileSync(file, "utf8")).toBe("precious: yaml\n");
  });
});
