/**
 * The emulator server's thread (see thread.ts): starts the emulator with the options it is
 * given and reports to the thread that started it: `{type: "url"}` once listening, `{type:
 * "log"}` per diagnostic line, `{type: "error"}` when it cannot start. On `{type: "close"}` it
 * stops the server and lets go of its port to the starting thread, and so ends.
 */
import { parentPort, workerData } from "node:worker_threads";
import { startEmulator } from "./app.js";
import type { EmulatorOptions } from "./options.js";

const port = parentPort;
if (!port) throw new Error("worker.ts runs as a worker thread (thread.ts starts it)");

try {
  const options = workerData as EmulatorOptions;
  const running = await startEmulator({ ...options, log: (line) => port.postMessage({ type: "log", line }) });
  port.on("message", (m: { type?: string }) => {
    if (m.type !== "close") return;
    void running.close().finally(() => port.close());
  });
  port.postMessage({ type: "url", url: running.url });
} catch (e) {
  const err = e as { message?: string; code?: string };
  port.postMessage({ type: "error", message: String(err.message ?? e), code: err.code });
  port.close();
}
