/**
 * `pulumi-agent-alias/wire`: the one source of the API's wire types (API.md), as zod schemas
 * and the TypeScript types inferred from them. The emulator validates requests with these
 * schemas and the typed client parses answers with them, so the two cannot drift.
 * Request schemas (`create…`, `patch…`, `replacePolicy…`) are strict: an unknown field is an
 * error. Response schemas strip unknown fields, as clients must ignore them.
 */

export type { Agent, AgentList, CreateAgentBody, PatchAgentBody } from "./agents.js";
export { agentListSchema, agentSchema, createAgentBodySchema, patchAgentBodySchema } from "./agents.js";
export type {
  AliasAnswerShape,
  AliasFieldName,
  AliasFieldSpec,
  FieldKind,
  FieldUpdate,
} from "./alias-fields.js";
export { ALIAS_DOC, ALIAS_FIELDS, aliasAnswerShape, aliasFields, fieldsUpdatedBy } from "./alias-fields.js";
export {
  ALIAS_POLICY_DOC,
  ALIAS_POLICY_FIELDS,
  type AliasPolicyFieldName,
  aliasPolicyFields,
} from "./alias-policy-fields.js";
export type {
  Alias,
  AliasList,
  AliasListQuery,
  CreateAliasBody,
  PatchAliasBody,
  ReplacePolicyBody,
} from "./aliases.js";
export {
  ALIAS_LIST_FILTERS,
  aliasListQuerySchema,
  aliasListSchema,
  aliasSchema,
  answeredPolicySchema,
  createAliasBodySchema,
  patchAliasBodySchema,
  policySchema,
  replacePolicyBodySchema,
} from "./aliases.js";
export { canonicalDocument, canonicalFields } from "./canonical.js";
export { camelCase, snakeCase } from "./case.js";
export type { ErrorBody, ListMetadata, ListQuery, Metadata } from "./common.js";
export {
  answered,
  errorBodySchema,
  instantOf,
  keySchema,
  LIST_LIMIT,
  listMetadataSchema,
  listQuerySchema,
  metadataSchema,
  nameSchema,
  sameInstant,
  timestampSchema,
} from "./common.js";
export type {
  AliasStats,
  ControlSpec,
  EmulatorControl,
  EmulatorStats,
  FaultConfig,
  FaultConfigBody,
  Health,
} from "./emulator.js";
export {
  aliasStatsSchema,
  controlOf,
  coversOperation,
  EMULATOR_CONTROLS,
  emulatorStatsSchema,
  faultConfigBodySchema,
  faultConfigSchema,
  healthSchema,
  MAX_FAULT_LATENCY_MS,
} from "./emulator.js";
export type {
  AgentOutputEvent,
  CreateEventBody,
  EventList,
  EventsCreated,
  InputMessageEvent,
  SessionEvent,
  TextMessage,
} from "./events.js";
export {
  agentOutputEventSchema,
  createEventBodySchema,
  eventListSchema,
  eventsCreatedSchema,
  inputMessageEventSchema,
  MAX_EVENT_MESSAGES,
  MAX_MESSAGE_LENGTH,
  sessionEventSchema,
  textMessageSchema,
} from "./events.js";
export { API_LIMITS } from "./limits.js";
export type { Operation, Role } from "./roles.js";
export { isRole, mayCall, OPERATIONS, ROLES, refusalMessage, rolesSentence } from "./roles.js";
export type { HttpMethod, PathOf, PathParamNames, PathParams, RouteSpec } from "./routes.js";
export { API_ROUTES, routeOperation, routePath } from "./routes.js";
export type {
  CreateSessionBody,
  PatchSessionBody,
  Session,
  SessionList,
  SessionListQuery,
} from "./sessions.js";
export {
  createSessionBodySchema,
  patchSessionBodySchema,
  SESSION_SECRETS,
  sessionListQuerySchema,
  sessionListSchema,
  sessionSchema,
} from "./sessions.js";
export type {
  Trace,
  TraceErrorType,
  TraceList,
  TraceListQuery,
  TraceStatus,
} from "./traces.js";
export {
  TRACE_ERROR_TYPES,
  TRACE_STATUSES,
  traceListQuerySchema,
  traceListSchema,
  traceSchema,
} from "./traces.js";
