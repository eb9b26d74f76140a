/**
 * The API's error body on every refusal (API.md "Errors"): `{messages, request_id,
 * field_errors?, id?}`, and fastify's own 4xx errors (body size, content type) in the API's
 * words.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpProblem } from "../errors.js";

export function sendError(reply: FastifyReply, e: HttpProblem, req: FastifyRequest): void {
  const body: Record<string, unknown> = { messages: e.messages, request_id: req.id };
  if (e.fieldErrors !== undefined) body.field_errors = e.fieldErrors;
  if (e.id !== undefined) body.id = e.id;
  reply.code(e.status).send(body);
}

/** Fastify's own 4xx errors (body parsing, content type) in the API's words. */
export function fromFramework(
  err: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): HttpProblem {
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpProblem(413, [`body: larger than the limit of ${bodyLimit} bytes`], {
        body: `larger than ${bodyLimit} bytes`,
      });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HttpProblem(415, ["body: Content-Type must be application/json"], {
        body: "Content-Type must be application/json",
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new HttpProblem(400, ["body: length does not match Content-Length"], {
        body: "length does not match Content-Length",
      });
    default:
      return new HttpProblem(err.statusCode ?? 400, [err.message]);
  }
}
