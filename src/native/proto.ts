/**
 * Pulumi's generated gRPC stubs (`@pulumi/pulumi/proto`) and the google.protobuf messages they
 * use, loaded once and typed. The stubs are CommonJS whose exports no static analysis can see,
 * so they are `require`d; google-protobuf is loaded from where @pulumi/pulumi resolves it, so
 * its messages are the very classes the stubs serialize.
 */
import { createRequire } from "node:module";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as pluginPbTypes from "@pulumi/pulumi/proto/plugin_pb.js";
import type * as providerGrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import type * as providerPbTypes from "@pulumi/pulumi/proto/provider_pb.js";
import type * as statusPbTypes from "@pulumi/pulumi/proto/status_pb.js";

const require = createRequire(import.meta.url);
const pulumiProto = (name: string) => require(`@pulumi/pulumi/proto/${name}`);
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/proto/provider_pb.js"));

export const grpc = require("@grpc/grpc-js") as typeof grpcTypes;
export const pb = pulumiProto("provider_pb.js") as typeof providerPbTypes;
export const pluginPb = pulumiProto("plugin_pb.js") as typeof pluginPbTypes;
export const statusPb = pulumiProto("status_pb.js") as typeof statusPbTypes;
export const services = pulumiProto("provider_grpc_pb.js") as typeof providerGrpcTypes;

export type Server = providerGrpcTypes.IResourceProviderServer;
/** The service's method names (the interface's own keys, not its string index signature). */
export type Method = keyof { [K in keyof Server as string extends K ? never : K]: Server[K] } & string;
type Unary<M extends Method> = Server[M] extends grpcTypes.handleUnaryCall<infer Q, infer R> ? [Q, R] : never;
/** The request message of a unary method. */
export type RequestOf<M extends Method> = Unary<M>[0];
/** The response message of a unary method. */
export type ResponseOf<M extends Method> = Unary<M>[1];

type EmptyType = ResponseOf<"cancel">;
type AnyType = Parameters<statusPbTypes.Status["addDetails"]>[0] & {
  pack(bytes: Uint8Array, name: string): void;
};

export const Empty = fromPulumi("google-protobuf/google/protobuf/empty_pb.js").Empty as new () => EmptyType;
export const AnyMessage = fromPulumi("google-protobuf/google/protobuf/any_pb.js").Any as new () => AnyType;
