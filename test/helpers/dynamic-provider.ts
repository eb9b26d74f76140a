/**
 * Runs Pulumi's real dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) as a child
 * process and talks to it over its gRPC ResourceProvider interface, as the engine does.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO } from "./cli.js";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const providerPb = require("@pulumi/pulumi/proto/provider_pb.js");
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");

// biome-ignore lint/suspicious/noExplicitAny: generated protobuf classes are untyped here
type Any = any;

/** The serialized provider text, made the way dynamic.Resource makes it. */
export function serializeProvider(
  name: "aliasResourceProvider" | "aliasPolicyResourceProvider",
  env: NodeJS.ProcessEnv = {},
): {
  text: string;
  containsSecrets: boolean;
} {
  const out = execFileSync(process.execPath, [join(REPO, "test/helpers/serialize-provider.mjs"), name], {
    cwd: REPO,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return JSON.parse(out);
}

export interface ProviderHost {
  configure(config: Record<string, string>): Promise<void>;
  check(
    urn: string,
    olds: object,
    news: object,
  ): Promise<{ inputs: Record<string, unknown>; failures: { property: string; reason: string }[] }>;
  diff(urn: string, id: string, olds: object, news: object): Promise<{ changes: number; replaces: string[] }>;
  create(urn: string, props: object): Promise<{ id: string; properties: Record<string, unknown> }>;
  read(urn: string, id: string, props: object): Promise<{ id: string; properties: Record<string, unknown> }>;
  update(
    urn: string,
    id: string,
    olds: object,
    news: object,
  ): Promise<{ properties: Record<string, unknown> }>;
  delete(urn: string, id: string, props: object): Promise<void>;
  /** Everything the host wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

export async function startProviderHost(cwd = REPO, env: NodeJS.ProcessEnv = {}): Promise<ProviderHost> {
  const entry = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
  // The engine address is required but this host only needs it to exist as an argument.
  const child: ChildProcess = spawn(process.execPath, [entry, "127.0.0.1:1"], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errText = "";
  child.stderr!.on("data", (d: Buffer) => (errText += d.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0]!.trim();
      if (out.includes("\n") && /^\d+$/.test(line)) resolve(line);
    });
    child.on("exit", (code) => reject(new Error(`dynamic-provider exited with ${code}: ${errText}`)));
  });
  const client = new providerGrpc.ResourceProviderClient(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
    // The engine's own limits (Pulumi sends and takes messages of up to 400 MiB).
    {
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
      "grpc.max_send_message_length": 400 * 1024 * 1024,
    },
  );
  const unary = (method: string, req: Any): Promise<Any> =>
    new Promise((resolve, reject) =>
      client[method](req, (err: Error | null, res: Any) => (err ? reject(err) : resolve(res))),
    );
  const struct = (o: object) => Struct.fromJavaScript(JSON.parse(JSON.stringify(o)));

  return {
    async configure(config) {
      const req = new providerPb.ConfigureRequest();
      req.setArgs(struct(config));
      await unary("configure", req);
    },
    async check(urn, olds, news) {
      const req = new providerPb.CheckRequest();
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await unary("check", req);
      return {
        inputs: res.getInputs()?.toJavaScript() ?? {},
        failures: res
          .getFailuresList()
          .map((f: Any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(urn, id, olds, news) {
      const req = new providerPb.DiffRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await unary("diff", req);
      return { changes: res.getChanges(), replaces: res.getReplacesList() };
    },
    async create(urn, props) {
      const req = new providerPb.CreateRequest();
      req.setUrn(urn);
      req.setProperties(struct(props));
      const res = await unary("create", req);
      return { id: res.getId(), properties: res.getProperties().toJavaScript() };
    },
    async read(urn, id, props) {
      const req = new providerPb.ReadRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setProperties(struct(props));
      const res = await unary("read", req);
      return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {} };
    },
    async update(urn, id, olds, news) {
      const req = new providerPb.UpdateRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await unary("update", req);
      return { properties: res.getProperties().toJavaScript() };
    },
    async delete(urn, id, props) {
      const req = new providerPb.DeleteRequest();
      req.setUrn(urn);
      req.setId(id);
      req.setProperties(struct(props));
      await unary("delete", req);
    },
    stderr: () => errText,
    async close() {
      client.close();
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** DiffResponse.DiffChanges: DIFF_UNKNOWN = 0, DIFF_NONE = 1, DIFF_SOME = 2. */
export const DIFF = { unknown: 0, none: 1, some: 2 } as const;
