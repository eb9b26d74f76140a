/**
 * Entry point of the `pulumi-resource-agent-alias` plugin (bin/pulumi-resource-agent-alias
 * starts Node.js on it). The engine runs it as `pulumi-resource-agent-alias [--logtostderr]
 * [-v=N] [--tracing URL] ENGINE-ADDRESS` and reads the gRPC port from the first line of
 * stdout, so nothing else may be printed there before it; diagnostics go to stderr. The
 * engine stops the plugin by killing it.
 */
import { exitWhenParentDies } from "../provider/lifeline.js";
import { serve } from "./server.js";

// A stray rejection must not end the plugin in the middle of the engine's run: every call
// answers for itself, so this is only logged.
process.on("unhandledRejection", (e) => console.error("agent-alias provider: unhandled rejection:", e));

const plugin = await serve();
process.stdout.write(`${plugin.port}\n`);

// The engine stops the plugin by killing it; an engine that dies first cannot: then it exits.
exitWhenParentDies();
