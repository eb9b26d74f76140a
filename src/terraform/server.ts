/**
 * The `tfplugin6.Provider` service: each RPC decodes its values, calls the door's resource,
 * data source or function module, and encodes the answer. Failures go back as diagnostics
 * (the core's messages); only a broken request (an unknown type, a value that is not what
 * the schema says) is a gRPC error. Newer parts of the protocol this provider has no use for
 * (resource identity, ephemeral resources, moving state) answer empty, as the protocol asks.
 */
import type { ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from "@grpc/grpc-js";
import { checkSetting, SETTING_NAMES } from "../client/index.js";
import { apiClient, type Connection, setConnection } from "../provider/connection.js";
import { dataConfig, dataSourceOf, TF_DATA_SOURCES } from "./data-sources.js";
import { attributeError, errorDiagnostic } from "./diagnostics.js";
import { callFunction, functionSpec, TF_FUNCTIONS } from "./functions.js";
import { decodeValue, encodeValue, typeBytes } from "./msgpack.js";
import { PROVIDER_NAME, snake } from "./names.js";
import type { Diagnostic, DynamicValue, Schema, SchemaAttribute } from "./proto.js";
import {
  applyResource,
  encodeState,
  importResource,
  planResource,
  readResource,
  resourceOf,
  TF_RESOURCES,
  upgradeResource,
  validateResource,
} from "./resources.js";
import { type Attr, type Block, objectType, providerBlock } from "./schema.js";
import { isObject, UNKNOWN } from "./types.js";

function attribute(a: Attr): SchemaAttribute {
  return {
    name: a.name,
    ...(a.nested
      ? { nested_type: { attributes: a.nested.attributes.map(attribute), nesting: a.nested.nesting } }
      : { type: typeBytes(a.type ?? "dynamic") }),
    description: a.doc,
    description_kind: "MARKDOWN",
    required: a.required === true,
    optional: a.optional === true,
    computed: a.computed === true,
    sensitive: a.sensitive === true,
  };
}

const schemaOf = (b: Block): Schema => ({
  version: b.version,
  block: {
    version: b.version,
    attributes: b.attributes.map(attribute),
    block_types: [],
    description: b.doc,
    description_kind: "MARKDOWN",
  },
});

const CAPABILITIES = { plan_destroy: false, get_provider_schema_optional: true, move_resource_state: false };

/** The whole schema answer, made once. */
function providerSchema() {
  return {
    provider: schemaOf(providerBlock()),
    resource_schemas: Object.fromEntries([...TF_RESOURCES].map(([n, r]) => [n, schemaOf(r.block)])),
    data_source_schemas: Object.fromEntries([...TF_DATA_SOURCES].map(([n, d]) => [n, schemaOf(d.block)])),
    functions: Object.fromEntries([...TF_FUNCTIONS].map(([n, f]) => [n, functionSpec(f)])),
    ephemeral_resource_schemas: {},
    diagnostics: [],
    server_capabilities: CAPABILITIES,
  };
}

const PROVIDER_TYPE = objectType(providerBlock().attributes);

/** ValidateProviderConfig: each setting by the settings table's check, at its attribute. */
function validateProvider(config: DynamicValue): Diagnostic[] {
  const value = decodeValue(config, PROVIDER_TYPE);
  const o = isObject(value) ? value : {};
  const out: Diagnostic[] = [];
  for (const name of SETTING_NAMES) {
    const reason = checkSetting(name, o[snake(name)], snake(name), UNKNOWN);
    if (reason !== undefined) out.push(attributeError([{ attribute_name: snake(name) }], reason));
  }
  return out;
}

/**
 * ConfigureProvider: the connection from the settings given (unset ones fall back to the
 * environment). A setting not known yet (it comes from a resource not yet applied) is
 * refused rather than replaced by the environment's: the plan would talk to another API.
 */
function configureProvider(config: DynamicValue): Diagnostic[] {
  const value = decodeValue(config, PROVIDER_TYPE);
  const o = isObject(value) ? value : {};
  const c: Connection = {};
  const unknown: Diagnostic[] = [];
  for (const name of SETTING_NAMES) {
    const v = o[snake(name)];
    if (v === UNKNOWN)
      unknown.push(
        attributeError(
          [{ attribute_name: snake(name) }],
          `${snake(name)} is not known until apply; the ${PROVIDER_NAME} provider needs its settings when it plans (set it from a variable or the environment)`,
        ),
      );
    if (typeof v === "string" && v !== "") c[name] = v;
  }
  if (unknown.length > 0) return unknown;
  setConnection(c);
  try {
    apiClient();
    return [];
  } catch (e) {
    return [{ ...errorDiagnostic(e), summary: `agentalias provider configuration: ${(e as Error).message}` }];
  }
}

type Request = Record<string, unknown> & { type_name: string };
// biome-ignore lint/suspicious/noExplicitAny: proto-loader messages are plain objects
type Handler = (req: any) => Promise<object> | object;

const HANDLERS: Record<string, Handler> = {
  GetMetadata: () => ({
    server_capabilities: CAPABILITIES,
    diagnostics: [],
    resources: [...TF_RESOURCES.keys()].map((type_name) => ({ type_name })),
    data_sources: [...TF_DATA_SOURCES.keys()].map((type_name) => ({ type_name })),
    functions: [...TF_FUNCTIONS.keys()].map((name) => ({ name })),
    ephemeral_resources: [],
  }),
  GetProviderSchema: providerSchema,
  GetResourceIdentitySchemas: () => ({ identity_schemas: {}, diagnostics: [] }),
  GetFunctions: () => ({ functions: providerSchema().functions, diagnostics: [] }),
  ValidateProviderConfig: (req: { config: DynamicValue }) => ({ diagnostics: validateProvider(req.config) }),
  ConfigureProvider: (req: { config: DynamicValue }) => ({ diagnostics: configureProvider(req.config) }),
  ValidateResourceConfig: (req: Request & { config: DynamicValue }) => ({
    diagnostics: validateResource(resourceOf(req.type_name), req.config),
  }),
  ValidateDataResourceConfig: (req: Request) => {
    dataSourceOf(req.type_name);
    return { diagnostics: [] };
  },
  UpgradeResourceState: (req: Request & { version: number; raw_state: { json?: Buffer } }) => {
    const r = resourceOf(req.type_name);
    try {
      return {
        upgraded_state: encodeState(r, upgradeResource(r, req.version, req.raw_state?.json)),
        diagnostics: [],
      };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(e)] };
    }
  },
  UpgradeResourceIdentity: () => ({ diagnostics: [] }),
  ReadResource: async (req: Request & { current_state: DynamicValue; private: Buffer }) => {
    const r = resourceOf(req.type_name);
    try {
      return {
        new_state: encodeState(r, await readResource(r, req.current_state)),
        private: req.private,
        diagnostics: [],
      };
    } catch (e) {
      return { new_state: req.current_state, private: req.private, diagnostics: [errorDiagnostic(e)] };
    }
  },
  PlanResourceChange: async (req) => {
    const r = resourceOf(req.type_name);
    try {
      const plan = await planResource(r, req);
      return {
        planned_state: encodeState(r, plan.planned),
        requires_replace: plan.requiresReplace.map((steps) => ({ steps })),
        planned_private: req.prior_private,
        diagnostics: plan.diagnostics,
      };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(e)] };
    }
  },
  ApplyResourceChange: async (req) => {
    const r = resourceOf(req.type_name);
    const { state, diagnostics } = await applyResource(r, req);
    return { new_state: encodeState(r, state), private: req.planned_private, diagnostics };
  },
  ImportResourceState: (req: Request & { id: string }) => {
    const r = resourceOf(req.type_name);
    const state = encodeState(r, importResource(r, req.id));
    return {
      imported_resources: [{ type_name: req.type_name, state, private: Buffer.alloc(0) }],
      diagnostics: [],
    };
  },
  MoveResourceState: () => ({
    diagnostics: [
      { severity: "ERROR", summary: "this provider does not move state between resource types", detail: "" },
    ],
  }),
  ReadDataSource: async (req: Request & { config: DynamicValue }) => {
    const d = dataSourceOf(req.type_name);
    try {
      return { state: encodeValue(await d.read(dataConfig(d, req.config)), d.type), diagnostics: [] };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(e)] };
    }
  },
  ValidateEphemeralResourceConfig: () => ({ diagnostics: [] }),
  CallFunction: (req: { name: string; arguments: DynamicValue[] }) => callFunction(req.name, req.arguments),
  StopProvider: () => ({ Error: "" }),
};

/** The service's handlers for grpc-js: a thrown error (a broken request) is an INVALID_ARGUMENT status. */
export function providerHandlers(): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(HANDLERS)) {
    impl[name] = ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      Promise.resolve()
        .then(() => handler(call.request))
        .then(
          (res) => callback(null, res),
          (e: unknown) => callback({ code: 3, details: e instanceof Error ? e.message : String(e) }, null),
        );
    }) as UntypedServiceImplementation[string];
  }
  return impl;
}
