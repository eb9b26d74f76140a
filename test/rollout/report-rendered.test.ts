/**
 * The rollout's Markdown report rendered as GitHub renders a comment (marked and Mermaid, in
 * headless Chromium): its tables fit the comment (at most 7 columns, nothing wider than the
 * column), every chart draws its data (a line per agent and the bound, or bars for a single
 * check) with a legend, an aborted rollout's chart has its failing checks, and a check with no
 * traces on an agent (`n/a`) is left out, not drawn as 0. The pages' screenshots are written
 * to a temporary folder, or to docs/images with AGENT_ALIAS_DOCS_IMAGES=1 (`npm run
 * docs:images`).
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rolloutMarkdown } from "../../src/rollout/report.js";
import type { CheckReport, RolloutResult, StageReport } from "../../src/rollout/report-types.js";
import { launchBrowser, screenshotDir } from "../helpers/browser.js";
import { overflows, renderMarkdown } from "../helpers/render-markdown.js";

/** The page's globals, in scripts that run in the browser (this project's types have no DOM). */
// biome-ignore lint/suspicious/noExplicitAny: the browser's objects, untyped here
declare const document: any, window: any;

const SHOTS = screenshotDir("report");

const T0 = Date.parse("2026-12-07T12:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

const agent = (key: string, traces: number, rate: number | null, p95: number | null) => ({
  agent_key: key,
  traces,
  errors: rate === null ? 0 : Math.round((traces * rate) / 100),
  error_rate: rate,
  p95_ms: p95,
});

/** Checks every 10 s from `start`: the canary's error rate from `rates` (null: no canary traces yet). */
function checks(start: number, rates: (number | null)[], verdictLast: CheckReport["verdict"]): CheckReport[] {
  return rates.map((rate, i) => ({
    at: iso(start + (i + 1) * 10_000),
    elapsed_ms: (i + 1) * 10_000,
    verdict: i === rates.length - 1 ? verdictLast : "wait",
    message: "",
    baseline: agent("support-v1", 200 * (i + 1), 1 + (i % 3) * 0.2, 800 + i * 5),
    canary: agent("support-v2", rate === null ? 0 : 50 * (i + 1), rate, rate === null ? null : 850 + i * 10),
    bounds: { error_rate: 4 + (i % 3) * 0.2, p95_duration: 1600 },
  }));
}

function stage(
  name: string,
  index: number,
  weights: [number, number],
  cs: CheckReport[],
  outcome: StageReport["outcome"],
): StageReport {
  const start = T0 + index * 100_000;
  return {
    name,
    index,
    weights,
    watched: weights[1] > 0,
    hold_ms: 60_000,
    max_wait_ms: 120_000,
    window: { start: iso(start), end: cs.at(-1)?.at ?? iso(start) },
    outcome,
    resumed: false,
    checks: cs,
    verdict: cs.length > 0 ? `${name}: ${outcome}` : null,
  };
}

function result(status: RolloutResult["status"], stages: StageReport[], message: string): RolloutResult {
  return {
    status,
    exit_code: status === "completed" ? 0 : 1,
    message,
    config_key: "canaryStage",
    alias_key: "support",
    from: "support-v1",
    to: "support-v2",
    initial_stage: "baseline",
    initial_deployed: "baseline",
    start_stage: "baseline",
    notes: [],
    final_stage: stages.at(-1)!.name,
    deployed_stage: stages.at(-1)!.name,
    reverted_to: null,
    stages,
  };
}

const COMPLETED = result(
  "completed",
  [
    stage("baseline", 0, [100, 0], [], "deployed"),
    stage("canary-5", 1, [95, 5], checks(T0 + 100_000, [null, 0.8, 1.1, 1.0, 1.2, 0.9], "pass"), "passed"),
    stage("canary-20", 2, [80, 20], checks(T0 + 200_000, [1.0, 1.3, 1.1, 1.2], "pass"), "passed"),
    stage("canary-50", 3, [50, 50], checks(T0 + 300_000, [1.2, 1.0, 1.4], "pass"), "passed"),
    stage("complete", 4, [0, 100], [], "deployed"),
  ],
  "completed: baseline -> canary-5 -> canary-20 -> canary-50 -> complete",
);

const SINGLE = result(
  "completed",
  [stage("canary-50", 0, [50, 50], checks(T0, [1.1], "pass"), "passed")],
  "completed: canary-50",
);

const ABORTED = result(
  "aborted",
  [
    stage("baseline", 0, [100, 0], [], "deployed"),
    stage("canary-20", 1, [80, 20], checks(T0 + 100_000, [3.5, 6.2, 8.9], "fail"), "failed"),
  ],
  "canary-20: error rate 8.9% > 4.0%; reverted to baseline",
);

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** Each chart's drawn marks: lines (paths of the line plots) and bars. */
const marks = (page: Page) =>
  page.$$eval("#comment .mermaid svg", (svgs) =>
    svgs.map((svg) => ({
      lines: svg.querySelectorAll("[class*='line-plot'] path").length,
      bars: svg.querySelectorAll("[class*='bar-plot'] rect").length,
      text: svg.textContent ?? "",
    })),
  );

describe("the rollout report, rendered as GitHub renders a comment", () => {
  it("a completed rollout: tables of at most 7 columns that fit, a chart per gate with every series and a legend", async () => {
    const md = rolloutMarkdown(COMPLETED);
    const page = await renderMarkdown(browser, md);
    try {
      const columns = await page.$$eval("#comment table", (ts) =>
        ts.map((t) => t.querySelectorAll("thead th").length),
      );
      expect(columns.length).toBe(2);
      for (const n of columns) expect(n).toBeLessThanOrEqual(7);
      expect(await overflows(page)).toEqual([]);
      const charts = await marks(page);
      expect(charts.length).toBe(2); // error rate and p95
      for (const c of charts) expect(c.lines).toBe(3); // support-v1, support-v2, the bound
      expect(await page.textContent("#comment")).toContain(
        "Lines: support-v1 (blue), support-v2 (purple), error rate bound for support-v2 (red). Checks 1–5 canary-5, 6–9 canary-20, 10–12 canary-50; checks without traces on an agent are left out.",
      );
      // canary-5's first check had no canary traces: left out (12 of 13 checks drawn), not drawn as 0.
      expect(md).toContain('x-axis ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]');
      expect(md).toMatch(/line \[0\.8, 1\.1, 1, 1\.2, 0\.9, 1, 1\.3/);
      await page.screenshot({ path: join(SHOTS, "rollout-report.png"), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("a single check is drawn as bars, and an aborted rollout's failing checks are in its chart", async () => {
    const single = await renderMarkdown(browser, rolloutMarkdown(SINGLE));
    try {
      const charts = await marks(single);
      expect(charts[0]!.bars).toBe(3);
      expect(await overflows(single)).toEqual([]);
    } finally {
      await single.close();
    }
    const md = rolloutMarkdown(ABORTED);
    const aborted = await renderMarkdown(browser, md);
    try {
      const charts = await marks(aborted);
      expect(charts[0]!.lines).toBe(3);
      expect(md).toMatch(/line \[3\.5, 6\.2, 8\.9\]/);
      expect(await overflows(aborted)).toEqual([]);
      await aborted.screenshot({ path: join(SHOTS, "rollout-report-aborted.png"), fullPage: true });
    } finally {
      await aborted.close();
    }
  });
});
