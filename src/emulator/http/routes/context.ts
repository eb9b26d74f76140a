/**
 * What the API route modules share: the context a registrar is given, `serve` (registers a
 * handler at every path the wire route table gives its operation), and the path parameters.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { API_ROUTES, type Operation } from "../../../wire/index.js";
import type { SessionPath, WriteResult } from "../../state/records.js";
import type { Store } from "../../state/store.js";
import { checkKeyParam } from "../../validation.js";

/** What an API route module needs from the app. */
export interface ApiContext {
  /** The store now: it is rebuilt after a write that could not be committed, so read it per request. */
  store(): Store;
  /** Answers a write with `status` once it is durable (a 503/507 when the data file refuses it). */
  answer(res: FastifyReply, status: number, w: WriteResult<unknown>): void;
}

/** The path parameters of the API's routes (which are present depends on the path). */
export type KeyParams = { agent_key?: string; alias_key?: string; session_key?: string; trace_id?: string };

type RouteTypes = { Params: KeyParams; Querystring: Record<string, unknown>; Body: unknown };
export type ApiRequest = FastifyRequest<RouteTypes>;
export type ApiHandler = (req: ApiRequest, res: FastifyReply) => void;

/**
 * Registers the handler of `operation` at each of its paths (wire/routes.ts), with its
 * method. A handler of a sessions or events operation serves both bases.
 */
export function serve(app: FastifyInstance, operation: Operation, handler: ApiHandler): void {
  const { method, paths } = API_ROUTES[operation];
  for (const url of paths) app.route<RouteTypes>({ method, url, handler });
}

/** A key parameter of the path, checked (400 naming it when it is not a key). */
export function keyParam(params: KeyParams, name: keyof KeyParams): string {
  return checkKeyParam(name, params[name] ?? "");
}

/** The alias or agent a sessions path goes through. */
export function sessionsVia(params: KeyParams): { alias: string } | { agent: string } {
  return params.alias_key !== undefined
    ? { alias: keyParam(params, "alias_key") }
    : { agent: keyParam(params, "agent_key") };
}

/** A session, through the alias or the agent of its path. */
export function sessionPath(params: KeyParams): SessionPath {
  const session = keyParam(params, "session_key");
  if (params.alias_key !== undefined) return { alias: keyParam(params, "alias_key"), session };
  return { agent: keyParam(params, "agent_key"), session };
}
