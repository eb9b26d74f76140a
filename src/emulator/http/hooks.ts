/**
 * What runs before every handler. On registration: every API route must be one of the route
 * table's (wire/routes.ts) and every `/_emulator` route one of EMULATOR_CONTROLS, so none can
 * skip the roles check. On each request: authentication and roles first, then faults, so a
 * caller without a credential learns it needs one (401), not that the server is down, and
 * `/_emulator/*` never meets faults.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { controlOf, routeOperation } from "../../wire/index.js";
import { type Credentials, TOKEN_PATH } from "../auth.js";
import { HttpProblem } from "../errors.js";
import type { Faults } from "../faults.js";
import { sendError } from "./errors.js";

/** The API operation a request is a call of (the route table's name), if any. */
function operationOf(req: FastifyRequest) {
  return routeOperation(req.method === "HEAD" ? "GET" : req.method, req.routeOptions.url ?? "");
}

/**
 * Who the caller is and whether its role may make the call: 401 or 403 (null when allowed).
 * The token request carries its own credentials; health needs none; another `/_emulator`
 * call needs the role its control declares (wire/emulator.ts), an API call its operation's.
 */
function refusal(credentials: Credentials, req: FastifyRequest): Error | null {
  if (req.routeOptions.url === TOKEN_PATH) return null;
  const [path = "", query = ""] = req.url.split("?", 2);
  const control = path.startsWith("/_emulator/")
    ? controlOf(req.method, path, new URLSearchParams(query))
    : undefined;
  if (control === "health") return null;
  try {
    const caller = credentials.identify(req.headers);
    if (control !== undefined) credentials.authorizeControl(caller, control);
    const operation = operationOf(req);
    if (operation !== undefined) credentials.authorize(caller, operation);
  } catch (e) {
    return e as Error;
  }
  return null;
}

/** Refuses to register a route that the route table or EMULATOR_CONTROLS does not know. */
export function requireKnownRoutes(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/_emulator/")) {
      for (const m of [route.method].flat())
        if (m !== "HEAD" && controlOf(m, route.url, new URLSearchParams()) === undefined)
          throw new Error(`route ${m} ${route.url} has no entry in EMULATOR_CONTROLS (wire/emulator.ts)`);
      return;
    }
    if (!route.url.startsWith("/v2/")) return;
    for (const m of [route.method].flat())
      if (m !== "HEAD" && routeOperation(m, route.url) === undefined)
        throw new Error(`route ${m} ${route.url} has no operation in the route table (wire/routes.ts)`);
  });
}

/** Authentication and roles, then the faults in force (a status, a reset, latency). */
export function guardRequests(app: FastifyInstance, credentials: Credentials, faults: Faults): void {
  app.addHook("onRequest", (req, reply, done) => {
    const refused = refusal(credentials, req);
    if (refused !== null || req.url.startsWith("/_emulator/") || !faults.active) {
      done(refused ?? undefined);
      return;
    }
    const d = faults.decide(operationOf(req));
    const act = (): void => {
      if (d.kind === "none") {
        done();
        return;
      }
      if (d.kind === "reset") {
        reply.hijack();
        const socket = req.raw.socket as { resetAndDestroy?: () => void; destroy(): void };
        if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      const status = faults.config.status;
      reply.header("retry-after", String(faults.config.retry_after));
      sendError(
        reply,
        new HttpProblem(status, [
          status === 429 ? "Too many requests (injected fault)" : "Service unavailable (injected fault)",
        ]),
        req,
      );
    };
    if (d.latencyMs > 0) setTimeout(act, d.latencyMs);
    else act();
  });
}
