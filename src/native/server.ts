/**
 * The `agent-alias` provider plugin: Pulumi's ResourceProvider gRPC interface over the
 * provider core that the dynamic resources run (src/provider), so both paths share check,
 * diff and CRUD. Written against the generated stubs rather than `@pulumi/pulumi/provider`,
 * whose server ignores Configure's arguments, answers no CheckConfig/DiffConfig and drops
 * detailed diffs. What it promises the engine:
 * - Handshake/Configure: secrets accepted (values arrive wrapped, outputs keep them secret
 *   where the inputs were), previews supported, no resource references or output values.
 * - CheckConfig/DiffConfig/Configure: the provider configuration (config.ts), from `args` or
 *   the legacy `variables`; a bad setting fails Configure with its property name.
 * - Check: the core's check, each failure as `path: message` (engineFailure); each sample's
 *   route and any warning to the engine's log, on the resource.
 * - Diff: the core's one comparison, with a detailed diff down to the changed leaf.
 * - Create/Update with `preview`: expected outputs, unknown where the API decides.
 * - Read: refresh (with state) and import (without), both with the inputs as the API has them.
 * - Invoke: the package's functions (functions.ts), failures by property name.
 * - Errors: gRPC statuses with the core's messages (errors.ts).
 * Each provider resource gets its own plugin process from the engine, so the connection is
 * process state (src/provider/connection.ts).
 */
import { readFileSync } from "node:fs";
import { getAsset, isSea } from "node:sea";
import type { ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { DiffResponse, PropertyDiff } from "@pulumi/pulumi/proto/provider_pb.js";
import { cut, redactor } from "../client/index.js";
import { engineFailure } from "../provider/check.js";
import { apiClient, setConnection } from "../provider/connection.js";
import type { PropertyDiffKind } from "../provider/diff.js";
import { logToEngine } from "../provider/engine-log.js";
import { redactFailures, secretStrings } from "../provider/secrets.js";
import { CONFIG_NAMES, checkConfig, connectionFrom, diffConfig } from "./config.js";
import { PluginError, toServiceError } from "./errors.js";
import { FUNCTIONS } from "./functions.js";
import {
  Empty,
  grpc,
  type Method,
  pb,
  pluginPb,
  type RequestOf,
  type ResponseOf,
  services,
} from "./proto.js";
import { type NativeResource, RESOURCES } from "./resources.js";
import { PACKAGE, packageSchema } from "./schema.js";
import { fromStruct, type Path, rewrap, secret, toStruct, unwrap, withoutNulls } from "./struct.js";
import { readableService, UnreadableRequest } from "./unreadable.js";

/**
 * The plugin's version: the npm package's, from its package.json (beside dist/, or in a single
 * executable the copy embedded as its asset `package.json`).
 */
export function pluginVersion(): string {
  const text = isSea()
    ? getAsset("package.json", "utf8")
    : readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** gRPC limits: the engine's own (Pulumi sends state of up to 400 MiB). */
const MAX_MESSAGE = 400 * 1024 * 1024;

const KIND: Readonly<Record<PropertyDiffKind, PropertyDiff.Kind>> = {
  ADD: pb.PropertyDiff.Kind.ADD,
  ADD_REPLACE: pb.PropertyDiff.Kind.ADD_REPLACE,
  DELETE: pb.PropertyDiff.Kind.DELETE,
  DELETE_REPLACE: pb.PropertyDiff.Kind.DELETE_REPLACE,
  UPDATE: pb.PropertyDiff.Kind.UPDATE,
  UPDATE_REPLACE: pb.PropertyDiff.Kind.UPDATE_REPLACE,
};

/** The type token of a request: its `type`, else the last part of the URN's type. */
export function typeOf(req: { getType(): string; getUrn(): string }): string {
  if (req.getType()) return req.getType();
  const qualified = req.getUrn().split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

function resourceOf(req: { getType(): string; getUrn(): string }): NativeResource {
  const type = typeOf(req);
  const r = RESOURCES[type];
  if (!r)
    throw new PluginError(
      "unknown_type",
      `unknown resource type '${cut(type)}': the ${PACKAGE} provider has ${Object.keys(RESOURCES).join(", ")}`,
    );
  return r;
}

function setDetailedDiff(
  resp: DiffResponse,
  diff: { changed: string[]; detailed: Record<string, { kind: PropertyDiffKind; inputDiff: boolean }> },
): void {
  const changes = diff.changed.length > 0;
  resp.setChanges(changes ? pb.DiffResponse.DiffChanges.DIFF_SOME : pb.DiffResponse.DiffChanges.DIFF_NONE);
  resp.setDiffsList(diff.changed);
  resp.setHasdetaileddiff(true);
  const map = resp.getDetaileddiffMap();
  for (const [path, d] of Object.entries(diff.detailed)) {
    const p = new pb.PropertyDiff();
    p.setKind(KIND[d.kind]);
    p.setInputdiff(d.inputDiff);
    map.set(path, p);
  }
}

/** A check failure as the engine reads it. */
const failure = (f: { property: string; reason: string }) => {
  const out = new pb.CheckFailure();
  out.setProperty(f.property);
  out.setReason(f.reason);
  return out;
};

/** Per call: the secret paths of the inputs, for the partial state an error may carry. */
interface CallContext {
  secrets: Path[];
}

type Handler<M extends Method> = (req: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>;

function unary<M extends Method>(handler: Handler<M>, method: string) {
  return (call: ServerUnaryCall<RequestOf<M>, ResponseOf<M>>, callback: sendUnaryData<ResponseOf<M>>) => {
    const ctx: CallContext = { secrets: [] };
    const request = call.request as unknown;
    if (request instanceof UnreadableRequest) {
      const f = request.failure();
      if (method === "check" || method === "checkConfig") {
        const resp = new pb.CheckResponse();
        resp.setFailuresList([failure(f)]);
        callback(null, resp as ResponseOf<M>);
      } else callback(request.status(), null);
      return;
    }
    handler(call.request, ctx).then(
      (res) => callback(null, res),
      (e: unknown) => {
        const err = toServiceError(e, ctx.secrets);
        // An error without a code is not one of the core's worded failures: keep its stack.
        if (typeof (e as { code?: unknown })?.code !== "string") console.error(e);
        callback(err, null);
      },
    );
  };
}

type Handlers = { [M in Method]?: Handler<M> };

/** The plugin's own methods: handshake, cancellation, its version and its schema. */
function pluginHandlers(version: string): Handlers {
  const schema = JSON.stringify(packageSchema(version));
  return {
    // The plugin never calls back into the engine: its address is acknowledged, not kept.
    async handshake() {
      const resp = new pb.ProviderHandshakeResponse();
      resp.setAcceptSecrets(true);
      resp.setAcceptResources(false);
      resp.setAcceptOutputs(false);
      resp.setSupportsAutonamingConfiguration(false);
      resp.setAcceptsByteString(false);
      return resp;
    },

    async attach() {
      return new Empty();
    },

    async cancel() {
      return new Empty();
    },

    async getPluginInfo() {
      const info = new pluginPb.PluginInfo();
      info.setVersion(version);
      return info;
    },

    async getSchema(req) {
      if (req.getVersion() !== 0)
        throw new PluginError("unsupported", `unsupported schema version ${req.getVersion()}`);
      const resp = new pb.GetSchemaResponse();
      resp.setSchema(schema);
      return resp;
    },
  };
}

/** The provider configuration (config.ts): CheckConfig, DiffConfig and Configure. */
const CONFIG_HANDLERS: Handlers = {
  async checkConfig(req) {
    const { inputs, failures } = checkConfig(fromStruct(req.getNews()));
    const resp = new pb.CheckResponse();
    resp.setInputs(toStruct(inputs));
    resp.setFailuresList(failures.map(failure));
    return resp;
  },

  async diffConfig(req) {
    const olds = req.hasOldInputs() ? fromStruct(req.getOldInputs()) : fromStruct(req.getOlds());
    const resp = new pb.DiffResponse();
    setDetailedDiff(resp, diffConfig(olds, fromStruct(req.getNews())));
    return resp;
  },

  async configure(req) {
    const args = req.hasArgs() ? fromStruct(req.getArgs()) : undefined;
    const variables = new Map(req.getVariablesMap().toArray() as [string, string][]);
    // The settings as CheckConfig words them (a secret never shown), then the client's own
    // refusal, with what was sent as a secret redacted.
    const refused = (args === undefined ? [] : checkConfig(args).failures).filter((f) =>
      (CONFIG_NAMES as string[]).includes(f.property),
    );
    if (refused.length > 0)
      throw new PluginError(
        "invalid_config",
        `${PACKAGE} provider configuration: ${refused.map((f) => f.reason).join("; ")}`,
      );
    setConnection(connectionFrom(args, variables));
    try {
      apiClient();
    } catch (e) {
      const sent = args === undefined ? { props: {}, secrets: [] } : unwrap(args);
      const clean = redactor(secretStrings(sent.props, sent.secrets));
      throw new PluginError(
        "invalid_config",
        `${PACKAGE} provider configuration: ${clean((e as Error).message)}`,
      );
    }
    const resp = new pb.ConfigureResponse();
    resp.setAcceptsecrets(true);
    resp.setSupportspreview(true);
    resp.setAcceptresources(false);
    resp.setAcceptoutputs(false);
    return resp;
  },
};

/** The resources' lifecycle (resources.ts) and the package's functions (functions.ts). */
const RESOURCE_HANDLERS: Handlers = {
  async check(req) {
    const res = resourceOf(req);
    const news = unwrap(fromStruct(req.getNews()));
    const olds = unwrap(fromStruct(req.getOlds()));
    const given = withoutNulls(news.props);
    const r = await res.check(withoutNulls(olds.props), given, news.secrets);
    // As the dynamic resources do: each sample's route at preview and up, and what was not checked.
    for (const line of r.routes) await logToEngine("info", line, req.getUrn());
    for (const w of r.warnings) await logToEngine("warning", w, req.getUrn());
    const resp = new pb.CheckResponse();
    // Inputs the core returns as given go back as the engine sent them: no second conversion
    // of what may be a large Struct (google-protobuf builds one at about 30 µs an entry).
    const unchanged = r.inputs === given && Object.keys(given).length === Object.keys(news.props).length;
    const sent = req.getNews();
    resp.setInputs(unchanged && sent !== undefined ? sent : toStruct(rewrap(r.inputs, news.secrets)));
    resp.setFailuresList(r.failures.map(engineFailure).map(failure));
    return resp;
  },

  async diff(req) {
    const res = resourceOf(req);
    const olds = unwrap(fromStruct(req.getOlds())).props;
    const news = withoutNulls(unwrap(fromStruct(req.getNews())).props);
    const d = res.diff(olds, news);
    const resp = new pb.DiffResponse();
    setDetailedDiff(resp, d);
    resp.setReplacesList(d.replaces);
    resp.setDeletebeforereplace(d.deleteBeforeReplace);
    return resp;
  },

  async create(req, ctx) {
    const res = resourceOf(req);
    const news = unwrap(fromStruct(req.getProperties()));
    ctx.secrets = news.secrets;
    const { id, outs } = await res.create(withoutNulls(news.props), req.getPreview());
    const resp = new pb.CreateResponse();
    resp.setId(id);
    resp.setProperties(toStruct(rewrap(outs, news.secrets)));
    return resp;
  },

  async read(req) {
    const res = resourceOf(req);
    const state = unwrap(fromStruct(req.getProperties()));
    const inputs = unwrap(fromStruct(req.getInputs()));
    const imported = Object.keys(state.props).length === 0;
    const r = await res.read(req.getId(), imported ? undefined : state.props);
    const resp = new pb.ReadResponse();
    // Gone: no id and no properties (refresh drops it from state; import says it does not exist).
    if (r === null) return resp;
    resp.setId(r.id);
    resp.setProperties(toStruct(rewrap(r.outs, state.secrets)));
    if (r.inputs) resp.setInputs(toStruct(rewrap(r.inputs, inputs.secrets)));
    return resp;
  },

  async update(req, ctx) {
    const res = resourceOf(req);
    const olds = unwrap(fromStruct(req.getOlds()));
    const news = unwrap(fromStruct(req.getNews()));
    ctx.secrets = news.secrets;
    const outs = await res.update(req.getId(), olds.props, withoutNulls(news.props), req.getPreview());
    const resp = new pb.UpdateResponse();
    resp.setProperties(toStruct(rewrap(outs, news.secrets)));
    return resp;
  },

  async delete(req) {
    await resourceOf(req).delete(req.getId(), unwrap(fromStruct(req.getProperties())).props);
    return new Empty();
  },

  async invoke(req) {
    const fn = FUNCTIONS[req.getTok()];
    if (!fn)
      throw new PluginError(
        "unknown_type",
        `unknown function '${cut(req.getTok())}': the ${PACKAGE} provider has ${Object.keys(FUNCTIONS).join(", ")}`,
      );
    const args = unwrap(fromStruct(req.getArgs()));
    const invoked = fn.invoke(withoutNulls(args.props));
    const { outputs } = invoked;
    const failures = redactFailures(invoked.failures, args.props, args.secrets);
    // A result made from a secret argument is as secret as it.
    const secretResult = args.secrets.length > 0;
    const resp = new pb.InvokeResponse();
    resp.setReturn(
      toStruct(
        secretResult ? Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, secret(v)])) : outputs,
      ),
    );
    resp.setFailuresList(failures.map(failure));
    return resp;
  },
};

/** The ResourceProvider service of the plugin, as grpc-js handlers. */
export function providerService(version: string = pluginVersion()): UntypedServiceImplementation {
  const handlers: Handlers = { ...pluginHandlers(version), ...CONFIG_HANDLERS, ...RESOURCE_HANDLERS };
  const impl: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers))
    impl[name] = unary(handler as Handler<Method>, name) as UntypedServiceImplementation[string];
  return impl;
}

export interface RunningPlugin {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves the plugin on 127.0.0.1, on an ephemeral port unless `port` is given. */
export async function serve(options: { port?: number; version?: string } = {}): Promise<RunningPlugin> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE,
    "grpc.max_send_message_length": MAX_MESSAGE,
  });
  server.addService(readableService(services.ResourceProviderService), providerService(options.version));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
