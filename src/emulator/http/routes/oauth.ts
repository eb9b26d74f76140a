/**
 * `POST /oauth2/token` (API.md "Conventions", **rev.**): OAuth 2.0 client credentials, a form
 * body, answered by `Credentials.issue` (a token, or an OAuth error with its status). Called
 * without an API credential: the client credentials are the request.
 */
import type { FastifyInstance } from "fastify";
import { type Credentials, TOKEN_PATH } from "../../auth.js";

export function registerOAuthRoutes(app: FastifyInstance, credentials: Credentials): void {
  app.post<{ Body: Record<string, string> | undefined }>(TOKEN_PATH, (req, res) => {
    const body = req.body;
    const form = body !== null && typeof body === "object" && !Array.isArray(body) ? body : {};
    const { status, body: answer } = credentials.issue(
      Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string")),
      req.headers,
    );
    res.code(status).header("cache-control", "no-store").send(answer);
  });
}
