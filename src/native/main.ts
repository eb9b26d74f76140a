/**
 * Entry point of the `pulumi-resource-agent-alias` plugin: run by Node.js through the
 * launcher (bin/pulumi-resource-agent-alias), or bundled into a single executable. The engine
 * runs it as `pulumi-resource-agent-alias [--logtostderr] [-v=N] [--tracing URL]
 * ENGINE-ADDRESS` and reads the gRPC port from the first line of stdout, so nothing else may
 * be printed there before it; diagnostics go to stderr. The engine stops the plugin by
 * killing it. No top-level await: the single executable runs this as CommonJS.
 */
import { exitWhenParentDies } from "../provider/lifeline.js";
import { serve } from "./server.js";

// A stray rejection must not end the plugin in the middle of the engine's run: every call
// answers for itself, so this is only logged.
process.on("unhandledRejection", (e) => console.error("agent-alias provider: unhandled rejection:", e));

serve().then(
  (plugin) => {
    process.stdout.write(`${plugin.port}\n`);
    // The engine stops the plugin by killing it; an engine that dies first cannot: then it
    // exits. A single executable is the engine's child itself; the launcher passes the
    // engine's pid.
    exitWhenParentDies();
  },
  (e: unknown) => {
    console.error("agent-alias provider: could not start:", e);
    process.exit(1);
  },
);
