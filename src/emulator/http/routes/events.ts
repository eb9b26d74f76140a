/**
 * A session's events (API.md "Events"), through an alias or an agent: posting an input
 * answers it (the emulator's agents answer deterministically) and records its trace
 * (routes/traces.ts); listing pages through them.
 */
import type { FastifyInstance } from "fastify";
import { listQuerySchema } from "../../../wire/index.js";
import { parseWith } from "../../validation.js";
import { type ApiContext, serve, sessionPath } from "./context.js";
import { listBody, pageRequest } from "./lists.js";

export function registerEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  serve(app, "events.create", (req, res) =>
    ctx.answer(res, 201, ctx.store().addEvents(sessionPath(req.params), req.body)),
  );
  serve(app, "events.list", (req, res) => {
    const q = parseWith(listQuerySchema, req.query);
    res.send(
      listBody("events", "events", ctx.store().listEvents(sessionPath(req.params), pageRequest("events", q))),
    );
  });
}
