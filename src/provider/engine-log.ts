/**
 * Messages from a provider process to the user, through the engine's log (the Engine
 * service's `Log`), as a program's `pulumi.log` sends them: info lines such as a sample's
 * route, and warnings such as an agent check that could not reach the API. Both doors'
 * processes are started by the engine with its address as the last argument (the dynamic
 * provider's and the plugin's alike), which is where this finds it. A message names a
 * resource by URN when the caller knows it (the plugin's Check does; the dynamic provider's
 * check is given none, and the engine shows such a message under the stack). Delivery is
 * best effort and never fails the call: a warning that cannot be sent goes to stderr; an
 * info line with no engine to send it to (a provider served in a test) is dropped.
 */
import grpc from "@grpc/grpc-js";
import engineGrpcModule from "@pulumi/pulumi/proto/engine_grpc_pb.js";
import enginePb from "@pulumi/pulumi/proto/engine_pb.js";

export type Severity = "info" | "warning";

/** The engine's address among a process's arguments: the last `host:port` one. */
export function engineAddress(argv: readonly string[] = process.argv.slice(2)): string | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    const a = argv[i]!;
    if (!a.startsWith("-") && /^[\w.[\]:-]+:\d+$/.test(a)) return a;
  }
  return undefined;
}

interface Engine {
  client: InstanceType<typeof engineGrpcModule.EngineClient>;
  pb: typeof enginePb;
}

let engine: Engine | null | undefined;

function connect(): Engine | null {
  if (engine !== undefined) return engine;
  const address = engineAddress();
  if (address === undefined) return (engine = null);
  // Static imports (CommonJS stubs, each imported whole), so a bundler takes them into the
  // single executable.
  engine = {
    client: new engineGrpcModule.EngineClient(address, grpc.credentials.createInsecure()),
    pb: enginePb,
  };
  return engine;
}

/** Sends one message to the engine's log; resolves when delivered (or written to stderr instead). */
export function logToEngine(severity: Severity, message: string, urn = ""): Promise<void> {
  const e = connect();
  const fallback = () => {
    if (severity === "warning") process.stderr.write(`warning: ${message}\n`);
  };
  if (e === null) {
    fallback();
    return Promise.resolve();
  }
  const req = new e.pb.LogRequest();
  req.setSeverity(severity === "warning" ? e.pb.LogSeverity.WARNING : e.pb.LogSeverity.INFO);
  req.setMessage(message);
  req.setUrn(urn);
  return new Promise((resolve) => {
    e.client.log(req, (err) => {
      if (err) fallback();
      resolve();
    });
  });
}
