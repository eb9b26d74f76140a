/**
 * Roles (API.md "Conventions", **rev.**): which roles may make each call, declared once. The
 * emulator answers 403 from this table; the client tags each call with its operation, so a
 * refusal can say which roles would have been allowed. No call of the API reveals a key's
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

/**
 * Each operation of the API: the roles that may make it, and the words of the 403 the
 * emulator answers (`Permissions do not allow …`). Events are not in API.md's table: posting
 * an input needs what creating a session needs, listing them what reading needs, and the
 * agent_user who made the session *(ours)*.
 */
export const OPERATIONS = Object.freeze({
  "agents.list": { roles: READ, refusal: "listing agents" },
  "agents.get": { roles: READ, refusal: "reading this agent" },
  "agents.create": { roles: ADMINISTER, refusal: "creating agents" },
  "agents.patch": { roles: ADMINISTER, refusal: "modifying this agent" },
  "agents.delete": { roles: ADMINISTER, refusal: "deleting this agent" },
  "aliases.list": { roles: READ, refusal: "listing aliases" },
  "aliases.get": { roles: READ, refusal: "reading this alias" },
  "aliases.create": { roles: DEVELOP, refusal: "creating aliases" },
  "aliases.patch": { roles: DEVELOP, refusal: "modifying this alias" },
  "aliases.replacePolicy": { roles: ADMINISTER, refusal: "modifying this alias" },
  "aliases.delete": { roles: ADMINISTER, refusal: "deleting this alias" },
  "sessions.create": { roles: USE, refusal: "creating sessions" },
  "sessions.list": { roles: READ, refusal: "listing sessions" },
  "sessions.get": { roles: READ, refusal: "reading this session" },
  "sessions.patch": { roles: DEVELOP, refusal: "modifying this session" },
  "sessions.delete": { roles: DEVELOP, refusal: "deleting this session" },
  "events.create": { roles: USE, refusal: "sending input to this session" },
  "events.list": { roles: [...READ, "agent_user"], refusal: "reading the events of this session" },
  "traces.list": { roles: READ, refusal: "listing traces" },
  "traces.get": { roles: READ, refusal: "reading this trace" },
} satisfies Record<string, { roles: readonly Role[]; refusal: string }>);

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
