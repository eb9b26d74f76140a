/**
 * Entry point of the `pulumi-resource-agent-alias` plugin: run by Node.js through the
 * launcher (bin/pulumi-resource-agent-alias), or bundled into a single executable. The engine
 * runs it as `pulumi-resource-agent-alias [--logtostderr] [-v=N] [--tracing URL]
 * ENGINE-ADDRESS` and reads the gRPC port from the first line of stdout, so nothing else may
 * be printed there before it; diagnostics go to stderr. The engine stops the plugin by
 * killing it. No top-level await: the single executable runs this as CommonJS.
 */
import { serve } from "./server.js";

// A stray rejection must not end the plugin in the middle of the engine's run: every call
// answers for itself, so this is only logged.
process.on("unhandledRejection", (e) => console.error("agent-alias provider: unhandled rejection:", e));

serve().then(
  (plugin) => {
    process.stdout.write(`${plugin.port}\n`);
    // The engine stops the plugin by killing it; an engine that dies first (killed, or by
    // SIGPIPE when its output is cut off) cannot. Then this process is re-parented: it exits,
    // rather than linger holding its port. The launcher passes the engine's pid (its own
    // parent, which `exec` makes ours), so an engine gone before Node.js started is seen too;
    // a single executable is the engine's child itself. The check is a timer that keeps
    // nothing alive.
    const parent = Number(process.env.AGENT_ALIAS_ENGINE_PID) || process.ppid;
    const watch = () => {
      if (process.ppid !== parent) process.exit(0);
    };
    watch();
    setInterval(watch, 1000).unref();
  },
  (e: unknown) => {
    console.error("agent-alias provider: could not start:", e);
    process.exit(1);
  },
);
