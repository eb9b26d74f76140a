/**
 * What the emulator adds under `/_emulator` (API.md): health, usage statistics, memory, and
 * the fault configuration. Not API operations: who may call each is EMULATOR_CONTROLS
 * (wire/emulator.ts), checked by the app's hook before a handler runs (health needs no
 * credential; reading needs any accepted one; changing the faults or forcing a GC, `owner`).
 */
import { isMainThread, resourceLimits } from "node:worker_threads";
import type { FastifyInstance } from "fastify";
import { invalid, invalidField } from "../../errors.js";
import { FaultSpecError, type Faults, faultConfig } from "../../faults.js";
import type { Store } from "../../state/store.js";

export interface EmulatorRoutesContext {
  /** The store now (see ApiContext.store). */
  store(): Store;
  readonly faults: Faults;
}

export function registerEmulatorRoutes(app: FastifyInstance, ctx: EmulatorRoutesContext): void {
  const { faults } = ctx;
  app.get("/_emulator/health", (_req, res) => {
    res.send({ status: "ok" });
  });
  app.get("/_emulator/stats", (_req, res) => {
    res.send(ctx.store().stats({ ...faults.injected }));
  });
  app.get<{ Querystring: { gc?: string } }>("/_emulator/memory", (req, res) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (req.query.gc === "true") {
      if (gc === undefined) {
        throw invalidField("gc", "a full GC needs the emulator's Node started with --expose-gc");
      }
      gc();
    }
    const m = process.memoryUsage();
    res.send({
      rss: m.rss,
      heap_total: m.heapTotal,
      heap_used: m.heapUsed,
      thread: isMainThread ? "main" : "worker",
      young_generation_limit_mb: resourceLimits.maxYoungGenerationSizeMb ?? null,
      after_gc: req.query.gc === "true",
    });
  });
  app.get("/_emulator/faults", (_req, res) => {
    res.send(faults.config);
  });
  app.put<{ Body: unknown }>("/_emulator/faults", (req, res) => {
    try {
      faults.configure(faultConfig(req.body ?? {}));
    } catch (e) {
      if (e instanceof FaultSpecError) throw invalid(e.issues);
      throw e;
    }
    res.send(faults.config);
  });
}
