/**
 * The one rule between the two ways names are written: the API and Terraform write
 * `agent_key`, `created_at`; the core's tables and Pulumi's schema write `agentKey`, `createdAt`.
 * Both doors translate by these two functions and by nothing else.
 */

/** `createdAt` -> `created_at`; a name already in snake_case is kept. */
export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `created_at` -> `createdAt`; a name already in camelCase is kept. */
export const camelCase = (name: string): string =>
  name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
