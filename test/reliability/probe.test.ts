/**
 * The reliability probe (issue 13), as a suite of its own and inside `npm test`, bounded in
 * count and time: each class of bad input or fault is tried many times, and the figures
 * (inputs tried, 5xx answers, crashes, hangs, acknowledged writes lost) are counted, asserted
 * (0 everywhere outside a full disk) and, with `npm run test:reliability`, recorded in
 * BENCHMARKS.md ("Reliability").
 */
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import { diagnose } from "../../src/userfn/index.js";
import { REPO, tempFiles } from "../helpers/cli.js";
import { callJson, startTestEmulator } from "../helpers/emulator.js";
import { hostileExpression, hostilePolicy } from "../helpers/hostile.js";
import { type ClassFigures, recordFigures } from "../helpers/reliability.js";

const FIGURES: Record<string, ClassFigures> = {};

const HANG_MS = 10_000;

/** Runs `p`, counting a hang when it does not settle within HANG_MS. */
async function bounded<T>(p: Promise<T>, f: ClassFigures): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      f.hangs++;
      resolve(undefined);
    }, HANG_MS);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const blank = (): ClassFigures => ({ tried: 0, fiveHundreds: 0, crashes: 0, hangs: 0 });

describe("reliability probe", () => {
  afterAll(() => {
    console.log(JSON.stringify(FIGURES, null, 2));
    if (process.env.RECORD_RELIABILITY === "1") recordFigures(FIGURES);
  });

  it("bad HTTP input: generated bodies, paths, headers and methods", async () => {
    const f = (FIGURES["bad HTTP input"] = blank());
    const e = await startTestEmulator({ bodyLimit: 64 * 1024 });
    try {
      await e.call("POST", "/v2/agents", { key: "a", name: "A" });
      await e.call("POST", "/v2/agent_aliases", {
        key: "al",
        name: "Al",
        policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] },
      });
      const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
      const paths = [
        "/v2/agents",
        "/v2/agents/a",
        "/v2/agent_aliases",
        "/v2/agent_aliases/al",
        "/v2/agent_aliases/al/policy",
        "/v2/agent_aliases/al/sessions",
        "/v2/agents/a/sessions",
        "/v2/agent_aliases/al/sessions/s/events",
        "/v2/agent_aliases/%ZZ",
        "/v2/agent_aliases/al?limit=0",
        "/v2/agent_aliases?limit=1e3&page_key=%00",
        "/v2/agent_aliases?filter=(a%2B)%2B%24",
        "/v2/agent_aliases?enabled=maybe",
        "/v2/agent_aliases/al/sessions?filter=%5B",
        `/v2/agents/${"x".repeat(700)}`,
        "/oauth2/token",
        "/_emulator/faults",
        "/nowhere",
      ];
      const body = fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.string({ maxLength: 200 }),
        fc.constant("{"),
        fc.constant('{"__proto__": {"x": 1}}'),
        fc.constant(`${"[".repeat(100)}${"]".repeat(100)}`),
      );
      const contentType = fc.constantFrom(
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "application/json; charset=latin1",
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...methods),
          fc.constantFrom(...paths),
          body,
          contentType,
          async (method, path, b, ct) => {
            f.tried++;
            const r = await bounded(
              fetch(e.url + path, {
                method,
                headers: { "x-api-key": e.apiKey, "content-type": ct },
                ...(method === "GET" || method === "DELETE"
                  ? {}
                  : { body: typeof b === "string" ? b : JSON.stringify(b) }),
              }).then(async (res) => ({ status: res.status, text: await res.text() })),
              f,
            );
            if (r && r.status >= 500) f.fiveHundreds++;
          },
        ),
        { numRuns: 400, seed: 20261201 },
      );
      const health = await bounded(callJson(e.url, "GET", "/_emulator/health"), f);
      if (health?.status !== 200) f.crashes++;
    } finally {
      await e.close();
    }
    expect(f).toMatchObject({ fiveHundreds: 0, crashes: 0, hangs: 0 });
  });

  it("hostile expressions: generated match and partition_by rules, routed by the emulator", async () => {
    const f = (FIGURES["hostile expressions"] = blank());
    const e = await startTestEmulator();
    try {
      await e.call("POST", "/v2/agents", { key: "v1", name: "v1" });
      await e.call("POST", "/v2/agents", { key: "v2", name: "v2" });
      const metadata = fc.record({
        d: fc.constantFrom("2026-01-01", "275760-09-13", "x", 5),
        h: fc.constantFrom(1, 1e12, -1e12, 1e308),
        big: fc.constantFrom(1e308, -1e308, 2 ** 53),
        deep: fc.constantFrom({ a: { b: { c: 1 } } }, [1, [2, [3]]]),
        list: fc.constant([1e308]),
      });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(hostileExpression, hostileExpression, metadata, async (m, p, md) => {
          if (diagnose(m).length > 0 || diagnose(p).length > 0) return;
          const key = `x${n++}`;
          f.tried++;
          const created = await bounded(
            e.call("POST", "/v2/agent_aliases", {
              key,
              name: key,
              policy: hostilePolicy(m, p),
            }),
            f,
          );
          if (!created) return;
          if (created.status >= 500) f.fiveHundreds++;
          if (created.status !== 201) return;
          const s = await bounded(e.call("POST", `/v2/agent_aliases/${key}/sessions`, { metadata: md }), f);
          if (s && s.status >= 500) f.fiveHundreds++;
          await e.call("DELETE", `/v2/agent_aliases/${key}`);
        }),
        { numRuns: 3000, seed: 20261202 },
      );
      const health = await bounded(callJson(e.url, "GET", "/_emulator/health"), f);
      if (health?.status !== 200) f.crashes++;
    } finally {
      await e.close();
    }
    expect(f).toMatchObject({ fiveHundreds: 0, crashes: 0, hangs: 0 });
  });

  it("CLI runs on bad files: every run ends with exit 0, 1 or 2, never a throw", async () => {
    const f = (FIGURES["CLI on bad files"] = blank());
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const [i, name] of [..."bcdefgh"].entries())
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${"abcdefg"[i]}`).join(", ")}]`);
    let deep = "1";
    for (let i = 0; i < 100_000; i++) deep = `{"a":${deep}}`;
    const dir = tempFiles({
      "bomb.yaml": `${laughs.join("\n")}\npolicy: *h\n`,
      "cyclic.yaml": "session: &s { metadata: { self: *s } }\n",
      "deep.json": deep,
      "tag.yaml": 'policy: !!js/function "function () {}"\n',
      "two.yaml": "a: 1\n---\nb: 2\n",
      "binary.yaml": "\u0000\u0001\u0002\uFFFF",
      "big.yaml": `key: s\nname: ${"x".repeat(2 * 1024 * 1024)}\n`,
      "empty.yaml": "",
      "list.yaml": "- 1\n- 2\n",
      "null.json": "null",
      "weird-policy.yaml":
        "policy: { type: routed, rules: [{ targets: { type: weighted, partition_by: 'now() + seconds(1e308)', options: [{ agent_key: a, weight: 1 }] } }] }\n",
    });
    const files = [
      "bomb.yaml",
      "cyclic.yaml",
      "deep.json",
      "tag.yaml",
      "two.yaml",
      "binary.yaml",
      "big.yaml",
      "empty.yaml",
      "list.yaml",
      "null.json",
      "weird-policy.yaml",
      "missing.yaml",
    ].map((x) => join(dir, x));
    const commands = (file: string): string[][] => [
      ["validate", file],
      ["preview", file],
      ["resolve", "examples/policies/support.yaml", "--context", file],
      ["resolve", file, "--context", file],
      ["eval", "get('$.session')", "--context", file],
      ["diff", file, "examples/policies/support.yaml"],
    ];
    for (const file of files)
      for (const argv of commands(file)) {
        f.tried++;
        try {
          const code = await bounded(
            runCli(argv, { stdout: { write: () => true }, stderr: { write: () => true }, cwd: REPO }),
            f,
          );
          if (code !== undefined && ![0, 1, 2].includes(code)) f.crashes++;
        } catch {
          f.crashes++;
        }
      }
    for (const src of [
      "now() + seconds(1e308)",
      "iso_datetime_parse('2026-01-01') + hours(1e12)",
      "-(1e308 * 10)",
    ]) {
      f.tried++;
      try {
        await runCli(["eval", src], {
          stdout: { write: () => true },
          stderr: { write: () => true },
          cwd: REPO,
        });
      } catch {
        f.crashes++;
      }
    }
    expect(f).toMatchObject({ crashes: 0, hangs: 0 });
  });
});
