/**
 * Sessions (API.md "Sessions"), through an alias (routed by its policy) and through an agent:
 * each handler serves both paths of its operation.
 */
import type { FastifyInstance } from "fastify";
import { sessionListQuerySchema } from "../../../wire/index.js";
import { parseWith } from "../../validation.js";
import { type ApiContext, keyParam, serve, sessionPath, sessionsVia } from "./context.js";
import { compileFilter, listBody, pageRequest } from "./lists.js";

export function registerSessionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  serve(app, "sessions.create", (req, res) => {
    const store = ctx.store();
    ctx.answer(
      res,
      201,
      req.params.alias_key !== undefined
        ? store.createAliasSession(keyParam(req.params, "alias_key"), req.body)
        : store.createAgentSession(keyParam(req.params, "agent_key"), req.body),
    );
  });
  serve(app, "sessions.list", (req, res) => {
    const q = parseWith(sessionListQuerySchema, req.query);
    const via = sessionsVia(req.params);
    const filter = q.filter === undefined ? undefined : compileFilter(q.filter);
    res.send(
      listBody("sessions", "sessions", ctx.store().listSessions(via, pageRequest("sessions", q), filter)),
    );
  });
  serve(app, "sessions.get", (req, res) => {
    res.send(ctx.store().getSession(sessionPath(req.params)));
  });
  serve(app, "sessions.patch", (req, res) =>
    ctx.answer(res, 200, ctx.store().patchSession(sessionPath(req.params), req.body)),
  );
  serve(app, "sessions.delete", (req, res) =>
    ctx.answer(res, 204, ctx.store().deleteSession(sessionPath(req.params))),
  );
}
