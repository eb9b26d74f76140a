/**
 * Errors of the plugin as gRPC statuses. The provider core's messages are worded for a Pulumi
 * user already and are sent as they are; the status code comes from the error's `code` (match
 * on `code`, not `instanceof`). A refusal the API answered (4xx) is a well-understood status,
 * while a failure whose outcome is unknown (a timeout, a lost connection, a 5xx, an error
 * without a code) is UNKNOWN, which the engine reads as "the resource's state is not known".
 * A step that failed after the alias exists (`partial_failure`) carries its id and properties
 * as an ErrorResourceInitFailed detail, so the engine keeps it in state.
 */
import type { status as grpcStatus, Metadata, ServiceError } from "@grpc/grpc-js";
import { cut, MESSAGE_LIMITS } from "../client/index.js";
import { grpc, pb, statusPb } from "./proto.js";
import { type Path, type Props, rewrap, toStruct } from "./struct.js";

const { status } = grpc;

const STATUS_BY_CODE: Readonly<Record<string, grpcStatus>> = {
  bad_request: status.INVALID_ARGUMENT,
  payload_too_large: status.INVALID_ARGUMENT,
  invalid_config: status.INVALID_ARGUMENT,
  unknown_type: status.INVALID_ARGUMENT,
  unauthorized: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  conflict: status.ALREADY_EXISTS,
  rate_limited: status.RESOURCE_EXHAUSTED,
};

/** An error of the plugin itself (bad request from the engine, bad configuration), with a code. */
export class PluginError extends Error {
  override readonly name = "PluginError";
  constructor(
    readonly code: "invalid_config" | "unknown_type" | "unsupported",
    message: string,
  ) {
    super(message);
  }
}

interface Coded {
  message?: unknown;
  code?: unknown;
  id?: unknown;
  properties?: unknown;
  reasons?: unknown;
}

/** The gRPC status of a thrown value; `secrets` mark the partial state's secret properties. */
export function toServiceError(e: unknown, secrets: readonly Path[] = []): Partial<ServiceError> {
  const err = (typeof e === "object" && e !== null ? e : {}) as Coded;
  // Bounded: a status travels in HTTP/2 trailers, and an oversized one breaks the channel.
  const message = cut(typeof err.message === "string" ? err.message : String(e), MESSAGE_LIMITS.message);
  const code = typeof err.code === "string" ? err.code : undefined;
  if (code === "unsupported") return { code: status.UNIMPLEMENTED, details: message, message };
  if (code === "partial_failure" && typeof err.id === "string") {
    const detail = new pb.ErrorResourceInitFailed();
    detail.setId(err.id);
    detail.setProperties(toStruct(rewrap((err.properties ?? {}) as Props, secrets)));
    detail.setReasonsList(
      Array.isArray(err.reasons) ? err.reasons.map((r) => cut(String(r), MESSAGE_LIMITS.reason)) : [message],
    );
    const st = new statusPb.Status();
    st.setCode(status.UNKNOWN);
    st.setMessage(message);
    // Called without a value, addDetails makes the google.protobuf.Any of the stubs' own class.
    st.addDetails().pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const metadata: Metadata = new grpc.Metadata();
    // grpc-js has no API for rich status details; this trailer is what Go's status.FromError reads.
    metadata.add("grpc-status-details-bin", Buffer.from(st.serializeBinary()));
    return { code: status.UNKNOWN, details: message, message, metadata };
  }
  return {
    code: (code === undefined ? undefined : STATUS_BY_CODE[code]) ?? status.UNKNOWN,
    details: message,
    message,
  };
}
