/** `/v2/agent_aliases` (API.md "Aliases"): create, list (with filters), get, patch, replace the policy, delete. */
import type { FastifyInstance } from "fastify";
import { aliasListQuerySchema } from "../../../wire/index.js";
import type { AliasFilter } from "../../state/reads.js";
import { parseWith } from "../../validation.js";
import { type ApiContext, keyParam, serve } from "./context.js";
import { compileFilter, listBody, pageRequest } from "./lists.js";

export function registerAliasRoutes(app: FastifyInstance, ctx: ApiContext): void {
  serve(app, "aliases.create", (req, res) => ctx.answer(res, 201, ctx.store().createAlias(req.body)));
  serve(app, "aliases.list", (req, res) => {
    const q = parseWith(aliasListQuerySchema, req.query);
    const f: AliasFilter = {};
    if (q.enabled !== undefined) f.enabled = q.enabled === "true";
    if (q.aliased_agent_key !== undefined) f.aliasedAgentKey = q.aliased_agent_key;
    if (q.filter !== undefined) f.filter = compileFilter(q.filter);
    res.send(listBody("aliases", "aliases", ctx.store().listAliases(pageRequest("aliases", q), f)));
  });
  serve(app, "aliases.get", (req, res) => {
    res.send(ctx.store().getAlias(keyParam(req.params, "alias_key")));
  });
  serve(app, "aliases.patch", (req, res) =>
    ctx.answer(res, 200, ctx.store().patchAlias(keyParam(req.params, "alias_key"), req.body)),
  );
  serve(app, "aliases.replacePolicy", (req, res) =>
    ctx.answer(res, 200, ctx.store().replacePolicy(keyParam(req.params, "alias_key"), req.body)),
  );
  serve(app, "aliases.delete", (req, res) =>
    ctx.answer(res, 204, ctx.store().deleteAlias(keyParam(req.params, "alias_key"))),
  );
}
