/**
 * The rollout dashboard in a real browser (Chromium, headless): the page loads, shows the
 * status, updates as checks arrive (server-sent events), and its charts have data: a line and
 * points per agent, the gate's bound dashed, a legend; a check without traces (`n/a`) is left
 * out of the line, not drawn at 0. The data comes from a scripted source that moves the way a
 * rollout does; the source that reads a stack's tags is tested with the real CLI in
 * rollout-steer.test.ts. The page's screenshot is docs/images/dashboard.png
 * (AGENT_ALIAS_DOCS_IMAGES=1, `npm run docs:images`).
 */
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/cli/dashboard.js";
import { AgentAliasClient } from "../../src/client/index.js";
import type { RolloutRecord } from "../../src/rollout/record.js";
import type { RolloutStatusSnapshot } from "../../src/rollout/status.js";
import type { StatusView } from "../../src/rollout/status-view.js";
import { launchBrowser, screenshotDir } from "../helpers/browser.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator } from "../helpers/emulator.js";

/** The page's globals, in scripts that run in the browser (this project's types have no DOM). */
// biome-ignore lint/suspicious/noExplicitAny: the browser's objects, untyped here
declare const document: any, window: any;

const SHOTS = screenshotDir("dashboard");

const T0 = Date.parse("2026-12-07T12:00:00Z");

const record: RolloutRecord = {
  run: "r1",
  by: "ci@runner",
  pid: 42,
  since: T0,
  seen: T0,
  key: "k",
  phase: "running",
  stage: "canary-20",
};

/** The status after check `n`: the canary's error rate creeping up; check 2 has no canary traces yet. */
function snapshot(n: number): RolloutStatusSnapshot {
  return {
    run: "r1",
    stage: "canary-20",
    weights: [80, 20],
    since: T0,
    at: T0 + n * 10_000,
    holdMs: 600_000,
    checks: n,
    verdict: "wait",
    paused: false,
    next: "canary-50",
    acked: null,
    agents: [
      { agent: "support-v1", traces: 100 * n, errorRate: 1, p95Ms: 800 },
      {
        agent: "support-v2",
        traces: n === 2 ? 0 : 25 * n,
        errorRate: n === 2 ? null : 0.5 * n,
        p95Ms: n === 2 ? null : 900,
      },
    ],
    gates: [
      { gate: "min_traces", canary: 25 * n, bound: 100, status: "wait" },
      { gate: "error_rate", canary: 0.5 * n, bound: 4, status: "pass" },
      { gate: "p95_duration", canary: 900, bound: 1600, status: "pass" },
    ],
  };
}

/** What the stack's tags say after check `n` of a live run. */
const viewAt = (n: number): StatusView => ({
  record: { ...record, seen: T0 + n * 10_000 },
  holder: "live",
  status: snapshot(n),
  command: undefined,
  verdict: undefined,
});

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe("agent-alias rollout dashboard, in Chromium", () => {
  it("loads, updates as checks arrive, and draws each agent's figures with the gate's bound", async () => {
    let n = 1;
    const source = async () => viewAt(n);
    const dashboard = await startDashboard({
      source,
      stack: "prod",
      everyMs: 100,
      clock: () => T0 + n * 10_000,
    });
    const page = await browser.newPage();
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => Number(document.body.dataset.checks) >= 1);
      expect(await page.textContent("#stack")).toBe("prod");
      expect(await page.textContent("#status")).toMatch(/stage canary-20 \(80\/20\)/);
      // Checks arrive: the page follows without a reload.
      for (const want of [2, 3, 4]) {
        n = want;
        await page.waitForFunction((w: number) => Number(document.body.dataset.checks) >= w, want);
      }
      expect(await page.textContent("#status")).toMatch(/4 checks/);
      const lines = await page.$$eval("#chart-error polyline.series", (ps) =>
        ps.map((p) => (p.getAttribute("points") ?? "").split(" ").length),
      );
      // support-v1 at every check; support-v2 at every check but the one with no traces.
      expect(lines).toEqual([4, 3]);
      expect(await page.$$eval("#chart-error polyline.bound", (ps) => ps.length)).toBe(1);
      expect(await page.$$eval("#chart-p95 polyline.series", (ps) => ps.length)).toBe(2);
      expect(await page.$$eval("#legend-error span", (s) => s.map((x) => x.textContent))).toEqual([
        "support-v1",
        "support-v2",
        "gate bound (support-v2)",
      ]);
      // Every point is inside the chart.
      const inside = await page.$$eval("#chart-error circle", (cs) =>
        cs.every((c) => {
          const y = Number(c.getAttribute("cy"));
          const x = Number(c.getAttribute("cx"));
          return y >= 0 && y <= 260 && x >= 0 && x <= 520;
        }),
      );
      expect(inside).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await page.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });
    } finally {
      await page.close();
      await dashboard.close();
    }
  });

  it("says when the stack cannot be read, and keeps the checks it had", async () => {
    let fail = false;
    const source = async (): Promise<StatusView> => {
      if (fail) throw new Error("backend unreachable");
      return viewAt(1);
    };
    const dashboard = await startDashboard({ source, stack: "prod", everyMs: 100 });
    const page = await browser.newPage();
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => Number(document.body.dataset.checks) >= 1);
      fail = true;
      await page.waitForFunction(() => (document.getElementById("error")?.textContent ?? "").length > 0);
      expect(await page.textContent("#error")).toBe("cannot read the stack: backend unreachable");
      expect(await page.getAttribute("body", "data-checks")).toBe("1");
    } finally {
      await page.close();
      await dashboard.close();
    }
  });

  it("shows the emulator's statistics when the API is the emulator; asks an API that is not only once", async () => {
    const emu = await startTestEmulator({ seed: join(REPO, "examples/quickstart/seed.yaml") });
    const client = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
    await client.createAlias({
      key: "support",
      name: "Support",
      policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "support-v1" } }] },
    });
    const source = async () => viewAt(1);
    const dashboard = await startDashboard({
      source,
      stack: "prod",
      everyMs: 100,
      emulator: () => client.emulatorStats(),
    });
    let asked = 0;
    const elsewhere = await startDashboard({
      source,
      stack: "prod",
      everyMs: 100,
      emulator: async () => {
        asked++;
        return null;
      },
    });
    const page = await browser.newPage();
    try {
      await page.goto(dashboard.url);
      await page.waitForFunction(() => !document.getElementById("emulator").hidden);
      expect(await page.textContent("#emulator-lines")).toMatch(
        /^alias support: 0 sessions \(none\), 0 routing errors$/m,
      );
      // Sessions arrive: the page follows.
      for (let i = 0; i < 4; i++) await client.createSession({ aliasKey: "support" });
      await page.waitForFunction(() =>
        /alias support: 4 sessions \(support-v1 4\)/.test(
          document.getElementById("emulator-lines").textContent,
        ),
      );
      expect(await page.textContent("#emulator-lines")).toMatch(
        /^sessions: 4 created, 4 through aliases, 0 direct$/m,
      );

      await page.goto(elsewhere.url);
      await page.waitForFunction(() => Number(document.body.dataset.checks) >= 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await page.$eval("#emulator", (e) => e.hidden)).toBe(true);
      expect(asked).toBe(1);
    } finally {
      await page.close();
      await dashboard.close();
      await elsewhere.close();
      await emu.close();
    }
  });
});
