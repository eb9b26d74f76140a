/**
 * The provider as a go-plugin server: `tfplugin6.Provider` beside the services go-plugin's
 * host side expects of a non-Go plugin: gRPC health (service "plugin" SERVING; healthHandlers),
 * `GRPCController.Shutdown` (the host's polite stop: answered, then the process exits) and
 * `GRPCStdio` (a stream the host reads; this provider writes its diagnostics to stderr,
 * which the host logs, so the stream only stays open until shutdown). Served on a Unix
 * socket with AutoMTLS when the host asks for it (tls.ts).
 */
import { rmSync } from "node:fs";
import type { ServerWritableStream } from "@grpc/grpc-js";
import * as grpc from "@grpc/grpc-js";
import { handshakeLine, socketPath } from "./handshake.js";
import { controllerService, healthService, providerService, stdioService } from "./proto.js";
import { providerHandlers } from "./server.js";
import { makeCertificate, serverCredentials } from "./tls.js";

/** gRPC message limits: Terraform's own (256 MiB). */
const MAX_MESSAGE = 256 * 1024 * 1024;

export interface RunningProvider {
  /** The handshake line to print on stdout. */
  readonly line: string;
  /** Resolves when the host asked the provider to shut down (GRPCController.Shutdown). */
  readonly shutdownRequested: Promise<void>;
  close(): Promise<void>;
  /** Removes the socket file at once (for an exit that cannot wait for close). */
  removeSocket(): void;
}

/** The services health answers for: go-plugin's host asks about "plugin"; "" is the server's. */
const SERVING = new Set(["plugin", ""]);

/**
 * gRPC health (grpc.health.v1): Check answers SERVING for the services above and NOT_FOUND
 * otherwise; Watch sends the status once and stays open until shutdown (the status never
 * changes while the provider serves).
 */
function healthHandlers(
  streams: Set<ServerWritableStream<unknown, unknown>>,
): grpc.UntypedServiceImplementation {
  const status = (service: string) => (SERVING.has(service) ? "SERVING" : "SERVICE_UNKNOWN");
  return {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, object>, callback: grpc.sendUnaryData<object>) =>
      SERVING.has(call.request.service)
        ? callback(null, { status: "SERVING" })
        : callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` }),
    Watch: (call: ServerWritableStream<{ service: string }, unknown>) => {
      streams.add(call as ServerWritableStream<unknown, unknown>);
      call.on("cancelled", () => streams.delete(call as ServerWritableStream<unknown, unknown>));
      call.write({ status: status(call.request.service) });
    },
  };
}

/** Starts the server as the environment (the host's) says; returns the handshake line to print. */
export async function serveProvider(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningProvider> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE,
    "grpc.max_send_message_length": MAX_MESSAGE,
  });
  let requestShutdown = () => {};
  const shutdownRequested = new Promise<void>((resolve) => (requestShutdown = resolve));
  const streams = new Set<ServerWritableStream<unknown, unknown>>();

  server.addService(providerService(), providerHandlers());
  server.addService(controllerService(), {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      callback(null, {});
      requestShutdown();
    },
  });
  server.addService(stdioService(), {
    StreamStdio: (call: ServerWritableStream<unknown, unknown>) => {
      streams.add(call);
      call.on("cancelled", () => streams.delete(call));
    },
  });
  server.addService(healthService(), healthHandlers(streams));

  const clientCert = env.PLUGIN_CLIENT_CERT;
  const cert = clientCert ? await makeCertificate() : undefined;
  const path = socketPath(env);
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`unix:${path}`, serverCredentials(grpc, clientCert, cert), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  const removeSocket = () => rmSync(path, { force: true });
  const close = async () => {
    for (const s of streams) s.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    removeSocket();
  };
  const line = handshakeLine({ network: "unix", address: path }, cert?.der);
  return { line, shutdownRequested, close, removeSocket };
}
