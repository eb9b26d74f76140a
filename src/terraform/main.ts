/**
 * Entry point of `terraform-provider-agentalias` (bin/terraform-provider-agentalias execs
 * Node.js on it). Started by hand (no magic cookie) or by a host of another protocol, it
 * says so on stderr and exits 1. Otherwise it serves, prints the handshake line as the only
 * line on stdout, and runs until the host asks it to shut down, kills it, or dies (then it
 * exits too: no orphans). Diagnostics go to stderr, which the host shows at TF_LOG.
 */
import { exitWhenParentDies } from "../provider/lifeline.js";
import { startProblem } from "./handshake.js";
import { serveProvider } from "./plugin.js";

const problem = startProblem(process.env);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

// A stray rejection must not end the provider in the middle of the host's run: every call
// answers for itself, so this is only logged.
process.on("unhandledRejection", (e) => console.error("agentalias provider: unhandled rejection:", e));

// No top-level await: the single executable runs this module bundled as CommonJS.
void serveProvider().then(
  (provider) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await provider.close();
      process.exit(0);
    };
    exitWhenParentDies(provider.removeSocket);
    process.on("SIGTERM", () => void stop());
    // Ctrl-C reaches the whole process group: the host decides when its providers stop (as go-plugin's own servers do).
    process.on("SIGINT", () => {});
    void provider.shutdownRequested.then(stop);
    process.stdout.write(provider.line);
  },
  (e: unknown) => {
    process.stderr.write(`agentalias provider: cannot serve: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
