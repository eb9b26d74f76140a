/**
 * The gRPC services a Terraform/OpenTofu provider serves, loaded from the vendored protocol
 * files (proto/terraform, MPL-2.0, copied from release tags): `tfplugin6.Provider` and
 * go-plugin's `plugin.GRPCController` and `plugin.GRPCStdio`. Messages are plain objects
 * with the proto's own field names (`type_name`, `planned_state`), enums by name, 64-bit
 * integers as numbers and bytes as Buffers.
 */
import { fileURLToPath } from "node:url";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/** The protocol minor version of the vendored file: the highest this provider speaks. */
export const PROTOCOL_FILE = "tfplugin6.9.proto";

const DIR = fileURLToPath(new URL("../../proto/terraform/", import.meta.url));

const OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true } as const;

function service(file: string, name: string): ServiceDefinition {
  const definitions = loadSync(DIR + file, OPTIONS);
  const def = definitions[name];
  // A message type has a `format`; a service is a map of its methods.
  if (def === undefined || "format" in def) throw new Error(`${file} defines no service ${name}`);
  return def as unknown as ServiceDefinition;
}

/** tfplugin6.Provider. */
export const providerService = (): ServiceDefinition => service(PROTOCOL_FILE, "tfplugin6.Provider");
/** go-plugin's controller: Shutdown. */
export const controllerService = (): ServiceDefinition =>
  service("grpc_controller.proto", "plugin.GRPCController");
/** go-plugin's stdio stream. */
export const stdioService = (): ServiceDefinition => service("grpc_stdio.proto", "plugin.GRPCStdio");

// ---- the messages this provider reads and writes, as proto-loader gives them ---------------

/** A value in Terraform's wire format: msgpack (always sent by hosts), or JSON. */
export interface DynamicValue {
  msgpack?: Buffer;
  json?: Buffer;
}

export interface AttributePathStep {
  attribute_name?: string;
  element_key_string?: string;
  element_key_int?: number;
}

export interface Diagnostic {
  severity: "ERROR" | "WARNING";
  summary: string;
  detail: string;
  attribute?: { steps: AttributePathStep[] };
}

export interface SchemaAttribute {
  name: string;
  type?: Buffer;
  nested_type?: { attributes: SchemaAttribute[]; nesting: "SINGLE" | "LIST" | "SET" | "MAP" };
  description: string;
  description_kind: "MARKDOWN";
  required: boolean;
  optional: boolean;
  computed: boolean;
  sensitive: boolean;
}

export interface Schema {
  version: number;
  block: {
    version: number;
    attributes: SchemaAttribute[];
    block_types: [];
    description: string;
    description_kind: "MARKDOWN";
  };
}

export interface FunctionParameter {
  name: string;
  type: Buffer;
  allow_null_value: boolean;
  allow_unknown_values: boolean;
  description: string;
  description_kind: "MARKDOWN";
}

export interface FunctionSpec {
  parameters: FunctionParameter[];
  return: { type: Buffer };
  summary: string;
  description: string;
  description_kind: "MARKDOWN";
}
