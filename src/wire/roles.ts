/**
 * The operations of the API (API.md "Conventions", **rev.**), declared once: which roles may
 * make each call, and its route. The emulator answers 403 from this table; the client tags
 * each call with its operation, so a refusal can say which roles would have been allowed. No call of the API reveals a key's
 * roles: this table is the only way to know, before a call, what it needs.
 */

/** Every role, highest first. `agent_user` and `agent_viewer` are siblings; `viewer` only reads. */
export const ROLES = [
  "owner",
  "administrator",
  "agent_administrator",
  "agent_developer",
  "agent_user",
  "agent_viewer",
  "viewer",
] as const;

export type Role = (typeof ROLES)[number];

const ABOVE_DEVELOPER = ["agent_developer", "agent_administrator", "administrator", "owner"] as const;
const ADMINISTRATORS = ["agent_administrator", "administrator", "owner"] as const;

/** The roles that may make a call: the table of API.md. */
const READ: readonly Role[] = ["agent_viewer", "viewer", ...ABOVE_DEVELOPER];
const DEVELOP: readonly Role[] = ABOVE_DEVELOPER;
const ADMINISTER: readonly Role[] = ADMINISTRATORS;
const USE: readonly Role[] = ["agent_user", ...ABOVE_DEVELOPER];

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** An operation: who may make it, the words of its 403, and its route. */
export interface OperationSpec {
  readonly roles: readonly Role[];
  readonly refusal: string;
  readonly method: HttpMethod;
  /** Every path template it is served at (`/v2/agent_aliases/:alias_key`). */
  readonly paths: readonly string[];
}

const ALIAS = "/v2/agent_aliases/:alias_key";
const AGENT = "/v2/agents/:agent_key";

/** A sessions path under both bases: through an alias, then through an agent. */
function underBoth<S extends string>(suffix: S): readonly [`${typeof ALIAS}${S}`, `${typeof AGENT}${S}`] {
  return [`${ALIAS}${suffix}`, `${AGENT}${suffix}`];
}

/**
 * Each operation of the API, declared once: the roles that may make it, the words of the 403
 * the emulator answers (`Permissions do not allow …`), and its method and paths (routes.ts
 * serves those to the emulator's registration and the client's calls). Events are not in
 * API.md's table: posting an input needs what creating a session needs, listing them what
 * reading needs, and the agent_user who made the session *(ours)*.
 */
export const OPERATIONS = Object.freeze({
  "agents.list": { roles: READ, refusal: "listing agents", method: "GET", paths: ["/v2/agents"] },
  "agents.get": { roles: READ, refusal: "reading this agent", method: "GET", paths: [AGENT] },
  "agents.create": { roles: ADMINISTER, refusal: "creating agents", method: "POST", paths: ["/v2/agents"] },
  "agents.patch": { roles: ADMINISTER, refusal: "modifying this agent", method: "PATCH", paths: [AGENT] },
  "agents.delete": { roles: ADMINISTER, refusal: "deleting this agent", method: "DELETE", paths: [AGENT] },
  "aliases.list": { roles: READ, refusal: "listing aliases", method: "GET", paths: ["/v2/agent_aliases"] },
  "aliases.get": { roles: READ, refusal: "reading this alias", method: "GET", paths: [ALIAS] },
  "aliases.create": {
    roles: DEVELOP,
    refusal: "creating aliases",
    method: "POST",
    paths: ["/v2/agent_aliases"],
  },
  "aliases.patch": { roles: DEVELOP, refusal: "modifying this alias", method: "PATCH", paths: [ALIAS] },
  "aliases.replacePolicy": {
    roles: ADMINISTER,
    refusal: "modifying this alias",
    method: "PUT",
    paths: [`${ALIAS}/policy`],
  },
  "aliases.delete": { roles: ADMINISTER, refusal: "deleting this alias", method: "DELETE", paths: [ALIAS] },
  "sessions.create": {
    roles: USE,
    refusal: "creating sessions",
    method: "POST",
    paths: underBoth("/sessions"),
  },
  "sessions.list": { roles: READ, refusal: "listing sessions", method: "GET", paths: underBoth("/sessions") },
  "sessions.get": {
    roles: READ,
    refusal: "reading this session",
    method: "GET",
    paths: underBoth("/sessions/:session_key"),
  },
  "sessions.patch": {
    roles: DEVELOP,
    refusal: "modifying this session",
    method: "PATCH",
    paths: underBoth("/sessions/:session_key"),
  },
  "sessions.delete": {
    roles: DEVELOP,
    refusal: "deleting this session",
    method: "DELETE",
    paths: underBoth("/sessions/:session_key"),
  },
  "events.create": {
    roles: USE,
    refusal: "sending input to this session",
    method: "POST",
    paths: underBoth("/sessions/:session_key/events"),
  },
  "events.list": {
    roles: [...READ, "agent_user"],
    refusal: "reading the events of this session",
    method: "GET",
    paths: underBoth("/sessions/:session_key/events"),
  },
  "traces.list": {
    roles: READ,
    refusal: "listing traces",
    method: "GET",
    paths: ["/v2/agent_analytics/traces"],
  },
  "traces.get": {
    roles: READ,
    refusal: "reading this trace",
    method: "GET",
    paths: ["/v2/agent_analytics/traces/:trace_id"],
  },
} as const satisfies Record<string, OperationSpec>);

export type Operation = keyof typeof OPERATIONS;

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

/** True when `role` may make `operation`. */
export function mayCall(role: Role, operation: Operation): boolean {
  return OPERATIONS[operation].roles.includes(role);
}

/** The 403 message of API.md: `Permissions do not allow modifying this alias.` */
export function refusalMessage(operation: Operation): string {
  return `Permissions do not allow ${OPERATIONS[operation].refusal}.`;
}

/** The roles that may make `operation`, lowest first: `agent_administrator, administrator or owner`. */
export function rolesSentence(operation: Operation): string {
  const allowed = ROLES.filter((r) => OPERATIONS[operation].roles.includes(r)).reverse();
  if (allowed.length === 1) return allowed[0]!;
  return `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
}
