/** Errors the providers raise, worded for a Pulumi user. */
import { type ApiError, isApiError } from "../client/index.js";
import { rolesSentence } from "../wire/index.js";

/**
 * The API call half-succeeded: the object exists (so the engine must keep `id` in state, with
 * `properties` as they now are) but a later step failed. The dynamic-provider host turns an
 * error with `id` into ErrorResourceInitFailed.
 */
export class PartialFailureError extends Error {
  override readonly name = "PartialFailureError";
  readonly code = "partial_failure" as const;
  constructor(
    message: string,
    readonly id: string,
    readonly properties: object,
    readonly reasons: string[] = [message],
  ) {
    super(message);
  }
}

/**
 * `what failed: <status> <the API's words> (after N attempts)`, then one line per field
 * error; the ApiError stays attached as `cause`, its code as `code`. A 403 says which roles
 * the call needs (the API never tells a key its roles, so the table of API.md is the guide):
 * `replacing the policy of alias 'support' needs agent_administrator, administrator or owner;
 * the API key has been refused (403 Permissions do not allow modifying this alias.)`.
 */
export function describeApiFailure(what: string, e: unknown): Error {
  if (!isApiError(e)) return e instanceof Error ? e : new Error(String(e));
  const api = e as ApiError;
  if (api.code === "forbidden" && api.operation !== undefined) {
    const err = new Error(
      `${what} needs ${rolesSentence(api.operation)}; ${api.credential ?? "the credential"} has been refused (${api.status} ${api.apiMessage})`,
      { cause: e },
    );
    (err as Error & { code?: string }).code = api.code;
    return err;
  }
  const fields = api.fieldErrors
    ? Object.entries(api.fieldErrors)
        .map(([k, v]) => `\n  ${v.startsWith(`${k}:`) ? v : `${k}: ${v}`}`)
        .join("")
    : "";
  const detail =
    api.status === undefined
      ? `${api.message}`
      : `${api.status} ${api.apiMessage}${api.attempts > 1 ? ` (after ${api.attempts} attempts)` : ""}`;
  const hint = api.code === "unauthorized" ? `\n${ROTATION_HINT}` : "";
  const err = new Error(`${what}: ${detail}${fields}${hint}`, { cause: e });
  (err as Error & { code?: string }).code = api.code;
  return err;
}

/**
 * Said with every refused credential (401): the engine configures a provider from the stack
 * config only when the program runs; `refresh` and `destroy` otherwise reuse the settings
 * stored with the provider at the last `up`, so a key or secret set since then does not
 * reach them.
 */
export const ROTATION_HINT =
  "If the key or client secret was changed in stack config since the last successful `pulumi up`, " +
  "`pulumi refresh` and `pulumi destroy` still use the one stored with the stack's provider: " +
  "run them with --run-program (or run `pulumi up` first).";

/**
 * Runs a lifecycle step; a PartialFailureError leaving it gets the `__provider` of `props`
 * added to its properties, so the state the engine keeps can still be refreshed and deleted.
 */
export async function keepingProvider<T>(props: object, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    const provider = (props as { __provider?: unknown }).__provider;
    if (e instanceof PartialFailureError && provider !== undefined) {
      (e.properties as Record<string, unknown>).__provider = provider;
    }
    throw e;
  }
}

/** An error the caller can branch on: `code` as the client's errors have it (the plugin maps it to a gRPC status). */
export const coded = (code: "conflict" | "not_found", message: string): Error =>
  Object.assign(new Error(message), { code });
