/**
 * The data file's integrity (journal/, format version 2): each line carries a sequence
 * number and a CRC-32. A flipped digit, a repeated or a lost record before the tail stop the
 * start (exit 2) naming the line and the reason, leaving the file as it is; only an
 * unterminated last line (or trailing zeros) is a torn tail; a complete last line that fails
 * its checksum is cut off loudly; whatever is cut off is kept in FILE.corrupt-<time>.
 * Version-1 files still replay, and are rewritten as version 2.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JournalError } from "../../src/emulator/index.js";
import {
  emulatorCommandOutcome,
  type Json,
  startTestEmulator,
  type TestEmulator,
} from "../helpers/emulator.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-integrity-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}

/** Side files kept beside `file`. */
function sideFiles(file: string): string[] {
  return readdirSync(dirname(file))
    .filter((f) => f.startsWith(`${basename(file)}.corrupt-`))
    .map((f) => join(dirname(file), f));
}

async function start(file: string, logs: string[] = []): Promise<TestEmulator> {
  return startTestEmulator({ dataFile: file, log: (l) => logs.push(l) });
}

/** A data file with agents a (tier 2) and b, and session s1 (n 5) last: lines 2, 3, 4. */
async function written(): Promise<{ file: string; lines: string[] }> {
  const file = dataFile();
  const em = await start(file);
  try {
    expect((await em.call("POST", "/v2/agents", { key: "a", name: "A", metadata: { tier: 2 } })).status).toBe(
      201,
    );
    expect((await em.call("POST", "/v2/agents", { key: "b", name: "B" })).status).toBe(201);
    expect((await em.call("POST", "/v2/agents/a/sessions", { key: "s1", metadata: { n: 5 } })).status).toBe(
      201,
    );
  } finally {
    await em.close();
  }
  const lines = readFileSync(file, "utf8").split("\n");
  expect(lines.pop()).toBe("");
  expect(lines).toHaveLength(4);
  return { file, lines };
}

const save = (file: string, lines: string[]) => writeFileSync(file, `${lines.join("\n")}\n`);

/** Starting on `file` fails with a JournalError matching `message`; the file is unchanged. */
async function refused(file: string, message: RegExp): Promise<void> {
  const before = readFileSync(file);
  const err = await start(file).then(
    async (em) => {
      await em.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JournalError);
  expect((err as Error).message).toMatch(message);
  expect(readFileSync(file)).toEqual(before);
  expect(sideFiles(file)).toEqual([]);
}

describe("data file format version 2", () => {
  it("writes a header of version 2 and lines with seq and crc; replays them", async () => {
    const { file, lines } = await written();
    expect(JSON.parse(lines[0]!)).toEqual({ format: "agent-alias-emulator", version: 2 });
    lines.slice(1).forEach((line, i) => {
      const v = JSON.parse(line);
      expect(v.seq).toBe(i + 1);
      expect(v.crc).toMatch(/^[0-9a-f]{8}$/);
      expect(v.record.op).toEqual(expect.any(String));
    });
    const em = await start(file);
    try {
      expect((await em.call("GET", "/v2/agents/a")).body.metadata).toEqual({ tier: 2 });
      expect((await em.call("GET", "/v2/agents/a/sessions/s1")).body.metadata).toEqual({ n: 5 });
    } finally {
      await em.close();
    }
  });
});

describe("corruption before the tail stops the start, naming the line and the reason", () => {
  it("a flipped digit (checksum mismatch)", async () => {
    const { file, lines } = await written();
    lines[1] = lines[1]!.replace('"tier":2', '"tier":3');
    save(file, lines);
    await refused(
      file,
      /line 2 is corrupt \(checksum mismatch: the line says [0-9a-f]{8}, its bytes give [0-9a-f]{8}\), and line 3 follows it/,
    );
  });

  it("a line that is not a record line", async () => {
    const { file, lines } = await written();
    lines[2] = "{garbage";
    save(file, lines);
    await refused(file, /line 3 is corrupt \(not a record line\), and line 4 follows it/);
  });

  it("a duplicated record, in the middle or last", async () => {
    const { file, lines } = await written();
    save(file, [...lines.slice(0, 3), lines[2]!, lines[3]!]);
    await refused(file, /line 4 is corrupt: it holds record 2 again \(a duplicated record\)/);
    save(file, [...lines, lines[3]!]);
    await refused(file, /line 5 is corrupt: it holds record 3 again \(a duplicated record\)/);
  });

  it("a lost record", async () => {
    const { file, lines } = await written();
    save(file, [lines[0]!, lines[1]!, lines[3]!]);
    await refused(file, /line 3 is corrupt: it holds record 3 where 2 was due \(records are missing\)/);
  });

  it("the command exits 2 and says so with --data", async () => {
    const { file, lines } = await written();
    lines[1] = lines[1]!.replace('"tier":2', '"tier":3');
    save(file, lines);
    const { code, err } = await emulatorCommandOutcome(["--port", "0", "--data", file]);
    expect(code).toBe(2);
    expect(err).toMatch(
      new RegExp(
        `^agent-alias emulator: --data ${file.replace(/[.]/g, "\\.")}: line 2 is corrupt \\(checksum`,
      ),
    );
  });
});

describe("the tail: cut off, kept in a side file, logged", () => {
  async function cutAndKept(file: string, tail: Buffer | string, log: RegExp): Promise<TestEmulator> {
    const logs: string[] = [];
    const em = await start(file, logs);
    const sides = sideFiles(file);
    expect(sides).toHaveLength(1);
    expect(readFileSync(sides[0]!)).toEqual(Buffer.from(tail));
    expect(logs.join("\n")).toMatch(log);
    expect(logs.join("\n")).toContain(`kept in ${sides[0]}`);
    return em;
  }

  it("an unterminated last line is a torn tail", async () => {
    const { file } = await written();
    const torn = '{"seq":4,"crc":"00000000","record":{"op":"session.cr';
    appendFileSync(file, torn);
    const em = await cutAndKept(file, torn, /cut off a torn last record \(\d+ bytes, no newline\)/);
    try {
      expect((await em.call("GET", "/v2/agents/a/sessions/s1")).status).toBe(200);
    } finally {
      await em.close();
    }
    expect(readFileSync(file, "utf8").endsWith("}\n")).toBe(true);
  });

  it("trailing zeros are a torn tail", async () => {
    const { file } = await written();
    const zeros = Buffer.alloc(512);
    appendFileSync(file, zeros);
    const em = await cutAndKept(file, zeros, /cut off a torn last record \(512 bytes, no newline\)/);
    await em.close();
  });

  it("a complete last line that fails its checksum is cut off as corrupt, not as torn, and kept", async () => {
    const { file, lines } = await written();
    const bad = lines[3]!.replace('"n":5', '"n":6');
    save(file, [...lines.slice(0, 3), bad]);
    const em = await cutAndKept(
      file,
      `${bad}\n`,
      /cut off line 4, the last complete line, which is corrupt \(checksum mismatch/,
    );
    try {
      // Not replayed as different data.
      expect((await em.call("GET", "/v2/agents/a/sessions/s1")).status).toBe(404);
      // New writes follow cleanly, numbered on from the last good record.
      expect((await em.call("POST", "/v2/agents/a/sessions", { key: "s2" })).status).toBe(201);
    } finally {
      await em.close();
    }
    const again = readFileSync(file, "utf8").split("\n");
    expect(JSON.parse(again[3]!).seq).toBe(3);
    const em2 = await start(file);
    await em2.close();
  });
});

describe("version-1 data files", () => {
  const v1 = (records: Json[]) =>
    `${[{ format: "agent-alias-emulator", version: 1 }, ...records].map((r) => JSON.stringify(r)).join("\n")}\n`;
  const agent = {
    key: "a",
    name: "A",
    description: "",
    metadata: {},
    enabled: true,
    created_at: "2026-01-01T00:00:00.000Z",
  };
  const session = {
    key: "s1",
    name: "s1",
    description: "",
    metadata: {},
    agent_key: "a",
    alias_key: null,
    enabled: true,
    created_at: "2026-01-01T00:00:01.000Z",
  };

  it("replay, and are rewritten as version 2", async () => {
    const file = dataFile();
    writeFileSync(
      file,
      v1([
        { op: "agent.put", agent },
        { op: "session.create", session, routing: null },
      ]),
    );
    appendFileSync(file, '{"op":"session.create","sess');
    const logs: string[] = [];
    let em = await start(file, logs);
    try {
      expect((await em.call("GET", "/v2/agents/a/sessions/s1")).status).toBe(200);
      expect(logs.join("\n")).toMatch(/cut off a torn last record/);
      expect(logs.join("\n")).toMatch(/rewrote it in format version 2 \(2 records\)/);
      expect((await em.call("POST", "/v2/agents/a/sessions", { key: "s2" })).status).toBe(201);
    } finally {
      await em.close();
    }
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(JSON.parse(lines[0]!).version).toBe(2);
    expect(lines.slice(1).map((l) => JSON.parse(l).seq)).toEqual([1, 2, 3]);
    em = await start(file);
    try {
      expect((await em.call("GET", "/v2/agents/a/sessions/s2")).status).toBe(200);
      expect((await em.call("GET", "/_emulator/stats")).body.sessions.created).toBe(2);
    } finally {
      await em.close();
    }
  });
});
