/**
 * `--data` on a full disk, for real: a 64 KiB tmpfs (we need root to mount it; without it the
 * suite is skipped and says why). A write answered 2xx is on disk, all of it; a write that
 * does not fit is answered 507 naming the file and ENOSPC and changes nothing, in memory or
 * on disk (the file is cut back to its last committed record); a retry succeeds once space is
 * freed; a restart replays exactly the acknowledged writes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/emulator/journal/index.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const mountPoint = mkdtempSync(join(tmpdir(), "agent-alias-full-"));
let mounted = false;
try {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint], { stdio: "pipe" });
  mounted = true;
} catch (e) {
  console.warn(
    `disk-full tests skipped: cannot mount a small tmpfs (${(e as Error).message.split("\n")[0]})`,
  );
}

afterAll(() => {
  if (mounted) execFileSync("umount", ["-l", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

const filler = join(mountPoint, "filler");
/** Fills the file system: a file as large as fits. */
function fill(): void {
  try {
    writeFileSync(filler, Buffer.alloc(1024 * 1024, 1));
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe("ENOSPC");
  }
}
function free(): void {
  unlinkSync(filler);
}

/** A body larger than any slack left in the data file's last page. */
const big = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  metadata: { pad: "x".repeat(6000) },
  ...extra,
});
const single = (agent: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});

describe.skipIf(!mounted)("a full disk under --data (64 KiB tmpfs)", () => {
  const file = join(mountPoint, "state.jsonl");
  let em: TestEmulator;
  const logs: string[] = [];
  /** Session keys answered 201 (and not deleted). */
  const acked = new Set<string>();

  beforeAll(async () => {
    em = await startTestEmulator({ dataFile: file, log: (l) => logs.push(l) });
    for (const key of ["old", "new"])
      expect((await em.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
    expect(
      (await em.call("POST", "/v2/agent_aliases", { key: "front", name: "Front", policy: single("old") }))
        .status,
    ).toBe(201);
    for (const key of ["a1", "a2"]) {
      expect((await em.call("POST", "/v2/agents/old/sessions", { key })).status).toBe(201);
      acked.add(key);
    }
  });
  afterAll(async () => {
    await em?.close();
  });

  it("answers 507 naming the file and ENOSPC, and neither the file nor the state changes", async () => {
    const before = readFileSync(file);
    const statsBefore = (await em.call("GET", "/_emulator/stats")).body;
    fill();
    const r = await em.call("POST", "/v2/agents/old/sessions", big("s-big"));
    expect(r.status).toBe(507);
    expect(r.body.messages.join(" ")).toContain(file);
    expect(r.body.messages.join(" ")).toContain("ENOSPC");
    expect(logs.join("\n")).toMatch(/ENOSPC/);
    // Memory: as before.
    expect((await em.call("GET", "/v2/agents/old/sessions/s-big")).status).toBe(404);
    expect((await em.call("GET", "/_emulator/stats")).body).toEqual(statsBefore);
    // Disk: the partly written line was cut back; the file replays as it was.
    expect(readFileSync(file)).toEqual(before);
    expect(readJournal(file).tornBytes).toBe(0);
  });

  it("refuses a write queued behind a refused one, even one that fits (one policy per session)", async () => {
    // Room for a small record, none for a large one: the data file's last page nearly empty.
    free();
    for (let i = 0; statSync(file).size % 4096 > 600; i++) {
      expect((await em.call("POST", "/v2/agents/old/sessions", { key: `p${i}` })).status).toBe(201);
      acked.add(`p${i}`);
    }
    fill();
    // The policy replacement does not fit. A session created right behind it through the
    // alias was routed by it in memory: it fits, but must be refused, or it would be on disk
    // with an agent that no committed policy gave it.
    const padded = [0, 1, 2].map((i) => ({
      match: `get('$.session.metadata.pad', '') == '${String(i).repeat(3000)}'`,
      targets: { type: "single", agent_key: "new" },
    }));
    const inject = em.running.emulator.inject;
    const headers = { "x-api-key": em.apiKey, "content-type": "application/json" };
    const [put, session] = await Promise.all([
      inject({
        method: "PUT",
        url: "/v2/agent_aliases/front/policy",
        headers,
        payload: {
          policy: { type: "routed", rules: [...padded, { targets: { type: "single", agent_key: "new" } }] },
        },
      }),
      inject({
        method: "POST",
        url: "/v2/agent_aliases/front/sessions",
        headers,
        payload: { key: "behind" },
      }),
    ]);
    expect(put.statusCode).toBe(507);
    expect(session.statusCode).toBe(507);
    expect(session.json<{ messages: string[] }>().messages.join(" ")).toMatch(/ENOSPC/);
    expect((await em.call("GET", "/v2/agent_aliases/front")).body.policy).toEqual(single("old"));
    expect((await em.call("GET", "/v2/agent_aliases/front/sessions/behind")).status).toBe(404);
    // It fits on its own: the same create, alone, is made (routed by the old policy).
    const alone = await em.call("POST", "/v2/agent_aliases/front/sessions", { key: "behind" });
    expect(alone.status).toBe(201);
    expect(alone.body.agent_key).toBe("old");
    acked.add("behind");
  });

  it("refuses concurrent writes that do not fit; what is acknowledged was routed by a committed policy", async () => {
    const padded = [0, 1, 2].map((i) => ({
      match: `get('$.session.metadata.pad', '') == '${String(i).repeat(3000)}'`,
      targets: { type: "single", agent_key: "new" },
    }));
    const put = em.call("PUT", "/v2/agent_aliases/front/policy", {
      policy: { type: "routed", rules: [...padded, { targets: { type: "single", agent_key: "new" } }] },
    });
    const sessions = Array.from({ length: 10 }, (_, i) =>
      em.call("POST", "/v2/agent_aliases/front/sessions", { key: `q${i}` }),
    );
    const bigOnes = Array.from({ length: 5 }, (_, i) =>
      em.call("POST", "/v2/agents/old/sessions", big(`b${i}`)),
    );
    const [p, ...rest] = await Promise.all([put, ...bigOnes, ...sessions]);
    expect(p!.status).toBe(507);
    for (const r of rest.slice(0, 5)) expect(r.status).toBe(507);
    for (const r of rest.slice(5)) {
      if (r.status === 201) {
        expect(r.body.agent_key).toBe("old");
        acked.add(r.body.key);
      } else expect(r.status).toBe(507);
    }
    expect((await em.call("GET", "/v2/agent_aliases/front")).body.policy).toEqual(single("old"));
    const listed = await em.call("GET", "/v2/agent_aliases/front/sessions?limit=100");
    for (const s of listed.body.sessions as Json[]) expect(s.agent_key).toBe("old");
    const journal = readJournal(file);
    expect(journal.tornBytes).toBe(0);
    expect(journal.records.filter((x) => x.op === "alias.put")).toHaveLength(1);
  });

  it("a retry of the same create succeeds once space is freed (no 409)", async () => {
    free();
    const r = await em.call("POST", "/v2/agents/old/sessions", big("s-big"));
    expect(r.status).toBe(201);
    acked.add("s-big");
    expect((await em.call("GET", "/v2/agents/old/sessions/s-big")).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await em.call("POST", "/v2/agents/old/sessions", big(`b${i}`))).status).toBe(201);
      acked.add(`b${i}`);
    }
  });

  it("fills up under a stream of writes: every 2xx is on disk, every refusal left nothing", async () => {
    const answers: { key: string; status: number }[] = [];
    // Writes of ~6 KiB each until well past full, several per commit.
    for (let round = 0; round < 6; round++) {
      const batch = await Promise.all(
        Array.from({ length: 4 }, (_, i) => {
          const key = `f${round}-${i}`;
          return em
            .call("POST", "/v2/agents/old/sessions", big(key))
            .then((r) => ({ key, status: r.status }));
        }),
      );
      answers.push(...batch);
    }
    expect(answers.some((a) => a.status === 507)).toBe(true);
    for (const a of answers) {
      expect([201, 507]).toContain(a.status);
      if (a.status === 201) acked.add(a.key);
      const got = (await em.call("GET", `/v2/agents/old/sessions/${a.key}`)).status;
      expect(got).toBe(a.status === 201 ? 200 : 404);
    }
    expect(readJournal(file).tornBytes).toBe(0);
    expect(readFileSync(file).at(-1)).toBe(10);
  });

  it("a restart replays exactly the acknowledged writes", async () => {
    await em.close();
    em = await startTestEmulator({ dataFile: file, log: (l) => logs.push(l) });
    const keys: string[] = [];
    let page: string | undefined;
    do {
      const q: string = page === undefined ? "?limit=100" : `?limit=100&page_key=${page}`;
      const r = await em.call("GET", `/v2/agents/old/sessions${q}`);
      keys.push(...r.body.sessions.map((s: Json) => s.key as string));
      page = r.body.metadata.page_key;
    } while (page !== undefined);
    expect(keys.sort()).toEqual([...acked].sort());
    expect((await em.call("GET", "/_emulator/stats")).body.sessions.created).toBe(acked.size);
    expect((await em.call("GET", "/v2/agent_aliases/front")).body.policy).toEqual(single("old"));
  });
});
