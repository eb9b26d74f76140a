/**
 * The gRPC services a Terraform/OpenTofu provider serves, loaded from the vendored protocol
 * files (proto/terraform, MPL-2.0, and proto/grpc, Apache-2.0, copied from release tags):
 * `tfplugin6.Provider`, go-plugin's `plugin.GRPCController` and `plugin.GRPCStdio`, and gRPC
 * health. Messages are plain objects with the proto's own field names (`type_name`,
 * `planned_state`), enums by name, 64-bit integers as numbers and bytes as Buffers. Inside
 * the single executable the files are its assets (`proto/<file>`, PROTO_FILES), each written
 * to a scratch folder only while it is parsed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAsset, isSea } from "node:sea";
import { fileURLToPath } from "node:url";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/** The protocol minor version of the vendored file: the highest this provider speaks. */
export const PROTOCOL_FILE = "tfplugin6.9.proto";

/** Every protocol file the provider loads, by its path under proto/ (the single executable's assets). */
export const PROTO_FILES = [
  `terraform/${PROTOCOL_FILE}`,
  "terraform/grpc_controller.proto",
  "terraform/grpc_stdio.proto",
  "grpc/health.proto",
] as const;

type ProtoFile = (typeof PROTO_FILES)[number];

const OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true } as const;

function load(file: ProtoFile) {
  if (!isSea()) return loadSync(fileURLToPath(new URL(`../../proto/${file}`, import.meta.url)), OPTIONS);
  const dir = mkdtempSync(join(tmpdir(), "agentalias-proto-"));
  try {
    const path = join(dir, "service.proto");
    writeFileSync(path, getAsset(`proto/${file}`, "utf8"));
    return loadSync(path, OPTIONS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function service(file: ProtoFile, name: string): ServiceDefinition {
  const definitions = load(file);
  const def = definitions[name];
  // A message type has a `format`; a service is a map of its methods.
  if (def === undefined || "format" in def) throw new Error(`${file} defines no service ${name}`);
  return def as unknown as ServiceDefinition;
}

/** tfplugin6.Provider. */
export const providerService = (): ServiceDefinition =>
  service(`terraform/${PROTOCOL_FILE}`, "tfplugin6.Provider");
/** go-plugin's controller: Shutdown. */
export const controllerService = (): ServiceDefinition =>
  service("terraform/grpc_controller.proto", "plugin.GRPCController");
/** go-plugin's stdio stream. */
export const stdioService = (): ServiceDefinition =>
  service("terraform/grpc_stdio.proto", "plugin.GRPCStdio");
/** gRPC health: Check and Watch. */
export const healthService = (): ServiceDefinition => service("grpc/health.proto", "grpc.health.v1.Health");

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
