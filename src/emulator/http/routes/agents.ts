/** `/v2/agents` (API.md "Agents"): create, list, get, patch, delete. */
import type { FastifyInstance } from "fastify";
import { listQuerySchema } from "../../../wire/index.js";
import { parseWith } from "../../validation.js";
import { type ApiContext, keyParam, serve } from "./context.js";
import { listBody, pageRequest } from "./lists.js";

export function registerAgentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  serve(app, "agents.create", (req, res) => ctx.answer(res, 201, ctx.store().createAgent(req.body)));
  serve(app, "agents.list", (req, res) => {
    const q = parseWith(listQuerySchema, req.query);
    res.send(listBody("agents", "agents", ctx.store().listAgents(pageRequest("agents", q))));
  });
  serve(app, "agents.get", (req, res) => {
    res.send(ctx.store().getAgent(keyParam(req.params, "agent_key")));
  });
  serve(app, "agents.patch", (req, res) =>
    ctx.answer(res, 200, ctx.store().patchAgent(keyParam(req.params, "agent_key"), req.body)),
  );
  serve(app, "agents.delete", (req, res) =>
    ctx.answer(res, 204, ctx.store().deleteAgent(keyParam(req.params, "agent_key"))),
  );
}
