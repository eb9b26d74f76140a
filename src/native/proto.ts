/**
 * Pulumi's generated gRPC stubs (`@pulumi/pulumi/proto`) and the google.protobuf messages they
 * use, loaded once and typed. The stubs are CommonJS whose exports no static analysis can see,
 * so each is imported whole (its default export is its `module.exports`). The imports are
 * static, so a bundler can take them into one file (the single executable).
 *
 * google.protobuf's classes are taken from the stubs themselves, never imported by name: the
 * stubs check `instanceof` against their own copy of google-protobuf, and where npm placed
 * that copy depends on the project that installed this package.
 */
import grpcModule from "@grpc/grpc-js";
import pluginPbModule from "@pulumi/pulumi/proto/plugin_pb.js";
import type * as providerGrpcTypes from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import servicesModule from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import providerPbModule from "@pulumi/pulumi/proto/provider_pb.js";
import statusPbModule from "@pulumi/pulumi/proto/status_pb.js";

export const grpc = grpcModule;
export const pb = providerPbModule;
export const pluginPb = pluginPbModule;
export const statusPb = statusPbModule;
export const services = servicesModule;

export type Server = providerGrpcTypes.IResourceProviderServer;
/** The service's method names (the interface's own keys, not its string index signature). */
export type Method = keyof { [K in keyof Server as string extends K ? never : K]: Server[K] } & string;
type Unary<M extends Method> =
  Server[M] extends grpcModule.handleUnaryCall<infer Q, infer R> ? [Q, R] : never;
/** The request message of a unary method. */
export type RequestOf<M extends Method> = Unary<M>[0];
/** The response message of a unary method. */
export type ResponseOf<M extends Method> = Unary<M>[1];

type EmptyType = ResponseOf<"cancel">;

/** google.protobuf.Empty of the stubs' own class: what they decode Cancel's empty answer into. */
export const Empty = services.ResourceProviderService.cancel.responseDeserialize(Buffer.alloc(0))
  .constructor as new () => EmptyType;
