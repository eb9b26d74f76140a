/**
 * Names on both sides of the Terraform door. Terraform names attributes in snake_case; the
 * core's tables name them in camelCase (`createdAt`, `aliasKey`, `apiUrl`), and inside a
 * policy the core already uses the API's snake_case names. The door translates names by this
 * one rule, both ways, and by nothing else.
 */

/** The provider's type name: resources are `agentalias_alias`, functions `provider::agentalias::…`. */
export const PROVIDER_NAME = "agentalias";

/** The provider's source address (registry namespace and type). */
export const PROVIDER_SOURCE = "agent-alias/agentalias";

/** `createdAt` -> `created_at`; a name already in snake_case is kept. */
export const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `created_at` -> `createdAt`. */
export const camel = (name: string): string =>
  name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A resource or data source type: `alias` -> `agentalias_alias`. */
export const typeName = (name: string): string => `${PROVIDER_NAME}_${snake(name)}`;
