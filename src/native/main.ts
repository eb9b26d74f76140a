/**
 * Entry point of the `pulumi-resource-agent-alias` plugin (bin/pulumi-resource-agent-alias
 * starts Node.js on it). The engine runs it as `pulumi-resource-agent-alias [--logtostderr]
 * [-v=N] [--tracing URL] ENGINE-ADDRESS` and reads the gRPC port from the first line of
 * stdout, so nothing else may be printed there before it; diagnostics go to stderr. The
 * engine stops the plugin by killing it.
 */
import { serve } from "./server.js";

// A stray rejection must not end the plugin in the middle of the engine's run: every call
// answers for itself, so this is only logged.
process.on("unhandledRejection", (e) => console.error("agent-alias provider: unhandled rejection:", e));

const plugin = await serve();
process.stdout.write(`${plugin.port}\n`);

// The engine stops the plugin by killing it; an engine that dies first (killed, or by SIGPIPE
// when its output is cut off) cannot. Then this process is re-parented: it exits, rather
// than linger holding its port. The launcher passes the engine's pid (its own parent, which
// `exec` makes ours), so an engine gone before Node.js started is seen too. The check is a
// timer that keeps nothing alive.
const parent = Number(process.env.AGENT_ALIAS_ENGINE_PID) || process.ppid;
const watch = () => {
  if (process.ppid !== parent) process.exit(0);
};
watch();
setInterval(watch, 1000).unref();
