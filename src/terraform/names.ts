/**
 * Names on both sides of the Terraform door. Terraform names attributes in snake_case; the
 * core's tables name them in camelCase (`createdAt`, `aliasKey`, `apiUrl`), and inside a
 * policy the core already uses the API's snake_case names. The door translates names by this
 * one rule, both ways, and by nothing else.
 */
import { camelCase, snakeCase } from "../wire/index.js";

/** The provider's type name: resources are `agentalias_alias`, functions `provider::agentalias::…`. */
export const PROVIDER_NAME = "agentalias";

/** The provider's source address (registry namespace and type). */
export const PROVIDER_SOURCE = "agent-alias/agentalias";

/** The core's names (`createdAt`) as Terraform writes them (`created_at`), and back. */
export const snake = snakeCase;
export const camel = camelCase;

/** A resource or data source type: `alias` -> `agentalias_alias`. */
export const typeName = (name: string): string => `${PROVIDER_NAME}_${snake(name)}`;
