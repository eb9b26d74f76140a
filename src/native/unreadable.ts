/**
 * Requests the generated stubs cannot read. google-protobuf reads a `google.protobuf.Struct`
 * recursively and overflows the stack at about 1,500 levels, and grpc-js then answers INTERNAL
 * "Error deserializing request", naming nothing. `readableService` keeps each deserializer from
 * throwing: such a request becomes an UnreadableRequest that names the property nesting
 * deeper than the API takes (depth.ts finds it in the raw bytes), which the server answers
 * (Check with a failure, any other call INVALID_ARGUMENT).
 */
import type { MethodDefinition, ServiceDefinition, ServiceError } from "@grpc/grpc-js";
import { cut, MESSAGE_LIMITS } from "../client/index.js";
import { formatPath } from "../policy/index.js";
import { engineFailure } from "../provider/check.js";
import { API_LIMITS } from "../wire/index.js";
import { deepestPath } from "./depth.js";
import { grpc, type services } from "./proto.js";

/** A request the generated stubs could not read, in place of the message. */
export class UnreadableRequest {
  constructor(
    /** The property that nests too deep, when that is why. */
    readonly path: (string | number)[] | null,
    readonly error: string,
  ) {}

  /**
   * A check failure as the engine gets every failure (engineFailure): no property, the path
   * inside the reason. The same answer whether or not the stubs could read the request.
   */
  failure(): { property: string; reason: string } {
    if (this.path === null)
      return { property: "", reason: `the request could not be read: ${cut(this.error, 200)}` };
    return engineFailure({
      property: cut(formatPath(this.path), MESSAGE_LIMITS.property),
      reason: `nested deeper than ${API_LIMITS.jsonDepth} levels (the API's limit)`,
    });
  }

  /** The INVALID_ARGUMENT status of a call other than Check, naming the property. */
  status(): Partial<ServiceError> {
    const message = this.failure().reason;
    return { code: grpc.status.INVALID_ARGUMENT, details: message, message };
  }
}

/** The service's definition with every request deserializer answering UnreadableRequest instead of throwing. */
export function readableService(definition: typeof services.ResourceProviderService): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(
    definition as unknown as Record<string, MethodDefinition<unknown, unknown>>,
  ))
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (e) {
          return new UnreadableRequest(deepestPath(bytes), (e as Error).message ?? String(e));
        }
      },
    };
  return out as unknown as ServiceDefinition;
}
