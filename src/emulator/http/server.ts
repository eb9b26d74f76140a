/**
 * The HTTP app under the emulator (fastify), before any route: request ids, the body limit,
 * JSON bodies only (and the form of the OAuth token request), and every refusal in the API's
 * error body: the router's, Node's HTTP parser's, fastify's own, a handler's HttpProblem, an
 * unknown call (404) and an internal error (500, logged).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { TOKEN_PATH } from "../auth.js";
import { HttpProblem, invalid, invalidField } from "../errors.js";
import { requestId } from "../ids.js";
import { EMULATOR_LIMITS } from "../limits.js";
import { checkJsonTree } from "../validation.js";
import { fromFramework, sendError } from "./errors.js";

/** A new app with the emulator's body parsers and error answers, and no route yet. */
export function createServer(bodyLimit: number, log: (line: string) => void): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit,
    forceCloseConnections: true,
    genReqId: requestId,
    routerOptions: { maxParamLength: EMULATOR_LIMITS.maxParamLength },
    // The router's own refusals, in the API's error body.
    frameworkErrors: (err, req, reply) => {
      const e =
        err.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? new HttpProblem(414, [`path: longer than ${EMULATOR_LIMITS.maxParamLength} characters`])
          : new HttpProblem(400, ["path: is not valid URL encoding"]);
      sendError(reply, e, req);
    },
    // What Node's HTTP parser refuses before any route sees it (headers too large, bad syntax).
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === "ECONNRESET" || socket.destroyed || !socket.writable) return;
      const [status, reason, message] =
        err.code === "HPE_HEADER_OVERFLOW"
          ? [431, "Request Header Fields Too Large", "headers: larger than the server accepts"]
          : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? [408, "Request Timeout", "request: not received in time"]
            : [400, "Bad Request", "request: not valid HTTP"];
      const body = JSON.stringify({ messages: [message], request_id: requestId() });
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });
  addBodyParsers(app);
  addErrorHandlers(app, bodyLimit, log);
  return app;
}

/** JSON bodies (an empty one is no body), checked for depth and size; a form only for the token request. */
function addBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    if (text === "") return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text as string);
    } catch (e) {
      return done(invalidField("body", `is not valid JSON: ${(e as Error).message}`), undefined);
    }
    const issue = checkJsonTree(value);
    if (issue) return done(invalid([issue]), undefined);
    done(null, value);
  });

  // OAuth's token request is a form (RFC 6749); no other call takes one.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (req, text, done) => {
    if (req.routeOptions.url !== TOKEN_PATH) {
      return done(
        new HttpProblem(415, ["body: Content-Type must be application/json"], {
          body: "Content-Type must be application/json",
        }),
        undefined,
      );
    }
    done(null, Object.fromEntries(new URLSearchParams(text as string)));
  });
}

function addErrorHandlers(app: FastifyInstance, bodyLimit: number, log: (line: string) => void): void {
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpProblem) return sendError(reply, err, req);
    const e = err as { code?: string; statusCode?: number; message: string };
    if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, fromFramework(e, bodyLimit), req);
    }
    log(`${req.method} ${req.url} (${req.id}) failed: ${(err as Error).stack ?? String(err)}`);
    sendError(reply, new HttpProblem(500, [`internal error: ${e.message}`]), req);
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new HttpProblem(404, [`No such call: ${req.method} ${req.url.split("?")[0]}`]), req);
  });
}
