/**
 * Runs the native provider plugin as the engine does: spawns the launcher
 * (bin/pulumi-resource-agent-alias) with an engine address as its argument, reads the gRPC
 * port from the first line of its stdout, and talks to it with Pulumi's generated
 * ResourceProviderClient. Needs `npm run build` (the launcher runs dist/native/main.js).
 * Values go in and come out as plain JS; a secret is `secret(value)`, Pulumi's own wrapper.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO } from "./cli.js";

const require = createRequire(import.meta.url);
const grpc = require("@grpc/grpc-js");
const pb = require("@pulumi/pulumi/proto/provider_pb.js");
const pluginPb = require("@pulumi/pulumi/proto/plugin_pb.js");
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb.js");
const rpc = require("@pulumi/pulumi/runtime/rpc.js");
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/proto/provider_pb.js"));
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb.js");

// biome-ignore lint/suspicious/noExplicitAny: generated protobuf classes are untyped here
type Any = any;
export type Props = Record<string, unknown>;

export const LAUNCHER = join(REPO, "bin/pulumi-resource-agent-alias");

/** Pulumi's own markers (runtime/rpc.ts), not the plugin's copies of them. */
export const UNKNOWN: string = rpc.unknownValue;
export const secret = (value: unknown): Props => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
export const isSecret = (v: unknown): boolean =>
  typeof v === "object" && v !== null && (v as Props)[rpc.specialSigKey] === rpc.specialSecretSig;

/** PropertyDiff.Kind and DiffResponse.DiffChanges by name. */
export const KIND: Record<number, string> = Object.fromEntries(
  Object.entries(pb.PropertyDiff.Kind as Record<string, number>).map(([k, v]) => [v, k]),
);
export const DIFF = { unknown: 0, none: 1, some: 2 } as const;

export const ALIAS = "agent-alias:index:Alias";
export const ALIAS_POLICY = "agent-alias:index:AliasPolicy";
export const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;
export const PROVIDER_URN = urn("pulumi:providers:agent-alias", "explicit");

const struct = (o: Props) => Struct.fromJavaScript(JSON.parse(JSON.stringify(o)));
const js = (s: Any): Props => s?.toJavaScript() ?? {};

export interface Failure {
  property: string;
  reason: string;
}

export interface Diff {
  changes: number;
  replaces: string[];
  diffs: string[];
  deleteBeforeReplace: boolean;
  hasDetailedDiff: boolean;
  /** path -> kind name (e.g. "UPDATE"), and whether each is an input diff. */
  detailed: Record<string, string>;
  inputDiff: Record<string, boolean>;
}

export interface PluginClient {
  /** A raw unary call: the generated client's method name and request message. */
  call(method: string, req: Any): Promise<Any>;
  getSchema(): Promise<string>;
  getPluginInfo(): Promise<string>;
  checkConfig(news: Props, olds?: Props): Promise<{ inputs: Props; failures: Failure[] }>;
  diffConfig(olds: Props, news: Props): Promise<Diff>;
  /** Configure with typed `args` (the engine sends both) and/or the legacy `variables`. */
  configure(args: Props | undefined, variables?: Record<string, string>): Promise<Any>;
  check(type: string, news: Props, olds?: Props): Promise<{ inputs: Props; failures: Failure[] }>;
  diff(type: string, id: string, olds: Props, news: Props): Promise<Diff>;
  create(type: string, props: Props, preview?: boolean): Promise<{ id: string; properties: Props }>;
  read(
    type: string,
    id: string,
    properties?: Props,
    inputs?: Props,
  ): Promise<{ id: string; properties: Props | undefined; inputs: Props | undefined }>;
  update(
    type: string,
    id: string,
    olds: Props,
    news: Props,
    preview?: boolean,
  ): Promise<{ properties: Props }>;
  delete(type: string, id: string, props: Props): Promise<void>;
  invoke(tok: string, args: Props): Promise<{ outputs: Props; failures: Failure[] }>;
}

export interface Plugin extends PluginClient {
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the plugin wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** The environment of the plugin: this one without the client's fallbacks, plus `env`. */
function pluginEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...process.env };
  for (const k of Object.keys(out))
    if (k === "AGENT_ALIAS_API_URL" || k.startsWith("VECTARA_") || k === "PULUMI_NODEJS_NODE") delete out[k];
  return { ...out, ...env };
}

/** Spawns the launcher (or a link to it) with `args` (the engine passes its address) and waits for the port. */
export async function startPlugin(
  env: NodeJS.ProcessEnv = {},
  args: string[] = ["127.0.0.1:1"],
  launcher: string = LAUNCHER,
): Promise<Plugin> {
  const child = spawn(launcher, args, {
    cwd: REPO,
    env: pluginEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let errText = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (errText += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl === -1) return;
      const line = out.slice(0, nl);
      if (/^\d+$/.test(line)) resolve(Number(line));
      else reject(new Error(`the plugin's first line is not a port: ${JSON.stringify(line)}`));
    });
    void exited.then((code) => reject(new Error(`the plugin exited (${code}) before its port:\n${errText}`)));
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
  return {
    port,
    child,
    ...clientOf(client),
    stderr: () => errText,
    async close() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function diffOf(res: Any): Diff {
  const detailed: Record<string, string> = {};
  const inputDiff: Record<string, boolean> = {};
  res.getDetaileddiffMap().forEach((d: Any, path: string) => {
    detailed[path] = KIND[d.getKind()]!;
    inputDiff[path] = d.getInputdiff();
  });
  return {
    changes: res.getChanges(),
    replaces: res.getReplacesList(),
    diffs: res.getDiffsList(),
    deleteBeforeReplace: res.getDeletebeforereplace(),
    hasDetailedDiff: res.getHasdetaileddiff(),
    detailed,
    inputDiff,
  };
}

function clientOf(client: Any): PluginClient {
  const call = (method: string, req: Any): Promise<Any> =>
    new Promise((resolve, reject) =>
      client[method](req, (err: Error | null, res: Any) => (err ? reject(err) : resolve(res))),
    );
  const failures = (res: Any): Failure[] =>
    res.getFailuresList().map((f: Any) => ({ property: f.getProperty(), reason: f.getReason() }));
  const withType = (req: Any, type: string, name = "res") => {
    req.setUrn(urn(type, name));
    req.setType(type);
    req.setName(name);
    return req;
  };
  return {
    call,
    async getSchema() {
      const req = new pb.GetSchemaRequest();
      return (await call("getSchema", req)).getSchema();
    },
    async getPluginInfo() {
      return (await call("getPluginInfo", new Empty())).getVersion();
    },
    async checkConfig(news, olds = {}) {
      const req = new pb.CheckRequest();
      req.setUrn(PROVIDER_URN);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await call("checkConfig", req);
      return { inputs: js(res.getInputs()), failures: failures(res) };
    },
    async diffConfig(olds, news) {
      const req = new pb.DiffRequest();
      req.setUrn(PROVIDER_URN);
      req.setId("provider-id");
      req.setOlds(struct(olds));
      req.setOldInputs(struct(olds));
      req.setNews(struct(news));
      return diffOf(await call("diffConfig", req));
    },
    async configure(args, variables = {}) {
      const req = new pb.ConfigureRequest();
      if (args !== undefined) req.setArgs(struct(args));
      const map = req.getVariablesMap();
      for (const [k, v] of Object.entries(variables)) map.set(k, v);
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      req.setUrn(PROVIDER_URN);
      req.setType("pulumi:providers:agent-alias");
      req.setName("explicit");
      return call("configure", req);
    },
    async check(type, news, olds = {}) {
      const req = withType(new pb.CheckRequest(), type);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await call("check", req);
      return { inputs: js(res.getInputs()), failures: failures(res) };
    },
    async diff(type, id, olds, news) {
      const req = withType(new pb.DiffRequest(), type);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setOldInputs(struct(olds));
      req.setNews(struct(news));
      return diffOf(await call("diff", req));
    },
    async create(type, props, preview = false) {
      const req = withType(new pb.CreateRequest(), type);
      req.setProperties(struct(props));
      req.setPreview(preview);
      const res = await call("create", req);
      return { id: res.getId(), properties: js(res.getProperties()) };
    },
    async read(type, id, properties, inputs) {
      const req = withType(new pb.ReadRequest(), type);
      req.setId(id);
      if (properties) req.setProperties(struct(properties));
      if (inputs) req.setInputs(struct(inputs));
      const res = await call("read", req);
      return {
        id: res.getId(),
        properties: res.hasProperties() ? js(res.getProperties()) : undefined,
        inputs: res.hasInputs() ? js(res.getInputs()) : undefined,
      };
    },
    async update(type, id, olds, news, preview = false) {
      const req = withType(new pb.UpdateRequest(), type);
      req.setId(id);
      req.setOlds(struct(olds));
      req.setOldInputs(struct(olds));
      req.setNews(struct(news));
      req.setPreview(preview);
      return { properties: js((await call("update", req)).getProperties()) };
    },
    async delete(type, id, props) {
      const req = withType(new pb.DeleteRequest(), type);
      req.setId(id);
      req.setProperties(struct(props));
      await call("delete", req);
    },
    async invoke(tok, args) {
      const req = new pb.InvokeRequest();
      req.setTok(tok);
      req.setArgs(struct(args));
      const res = await call("invoke", req);
      return { outputs: js(res.getReturn()), failures: failures(res) };
    },
  };
}

export { pb, pluginPb };
