/**
 * Runs the emulator server the way the `emulator` command does: on a worker thread with a
 * small young generation, in a process whose V8 grows its old generation by 20% at a time.
 * Under sustained load V8 otherwise grows a heap's young generation to its maximum (3 x 16 MB
 * semi-spaces on 64-bit) over the first 10-15 s, and lets old space grow to several times the
 * live data while stored sessions turn over, so the process's RSS climbs for most of a minute.
 * With both settings the server reaches its working size within seconds and stays there
 * (BENCHMARKS.md, "Emulator soak"), at no measurable cost in throughput. Node can cap the
 * young generation only for a worker thread (`resourceLimits`), and the growing factor is a
 * process-wide V8 flag: both belong to the command's process, not to an embedding program,
 * which calls startEmulator instead.
 */
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { EmulatorOptions } from "./options.js";
import type { SeedDocument } from "./seed.js";

/** The server thread's young generation (semi-spaces of a third of it). */
export const EMULATOR_YOUNG_GENERATION_MB = 12;
/** How much V8 lets old space grow past the live data before a full GC (its default: 1.1x to 4x). */
export const EMULATOR_HEAP_GROWING_PERCENT = 20;

/** The emulator as the command runs it: its URL, and how to stop it. */
export interface EmulatorThread {
  readonly url: string;
  /** Settles with the thread's exit code when it stops, asked to or not. */
  readonly exited: Promise<number>;
  close(): Promise<void>;
}

/** Options that can cross to the thread: data only (no clock; `log` stays on this side). */
export type ThreadOptions = Omit<EmulatorOptions, "clock" | "log" | "seed"> & {
  seed?: string | SeedDocument;
};

type FromWorker =
  | { type: "url"; url: string }
  | { type: "log"; line: string }
  | { type: "error"; message: string; code?: string };

/**
 * Starts the emulator on its own thread. Rejects, with the error's `code` kept (`invalid_seed`,
 * `bad_data_file`, `invalid_faults`, `EADDRINUSE`…), when it cannot start.
 */
export function startEmulatorThread(
  options: ThreadOptions,
  log: (line: string) => void = () => {},
): Promise<EmulatorThread> {
  setFlagsFromString(`--heap-growing-percent=${EMULATOR_HEAP_GROWING_PERCENT}`);
  const worker = new Worker(new URL("./worker.js", import.meta.url), {
    workerData: options,
    resourceLimits: { maxYoungGenerationSizeMb: EMULATOR_YOUNG_GENERATION_MB },
    stdout: false,
    stderr: false,
  });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let started = false;
    worker.on("message", (m: FromWorker) => {
      if (m.type === "log") log(m.line);
      else if (m.type === "url") {
        started = true;
        resolve({
          url: m.url,
          exited,
          // The thread ends once its server has closed (worker.ts).
          close: async () => {
            worker.postMessage({ type: "close" });
            await exited;
          },
        });
      } else if (m.type === "error") {
        reject(Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }));
      }
    });
    worker.on("error", (e) => {
      if (!started) reject(e);
      else log(`the server thread failed: ${e.message}`);
    });
    void exited.then((code) => {
      if (!started) reject(new Error(`the server thread stopped before listening (exit ${code})`));
    });
  });
}
