/**
 * `pulumi-agent-alias/emulator`: the local agent alias API (API.md) for development, CI and
 * our own tests. It routes with the same resolver as everything else (`../policy`) and speaks
 * the wire types of `../wire`.
 *
 * - `createEmulator(options)`: the app object, callable without a socket (`inject`);
 * - `startEmulator(options)` / `listen(options)`: on a socket, `{url, close}`;
 * - `runEmulatorCommand(argv, io)`: the `agent-alias emulator` subcommand;
 * - `runTraffic(options)`: the traffic generator of `agent-alias emulator traffic`, which
 *   creates sessions through an alias and posts an input to each (each yields a trace);
 * - agent profiles (`parseProfileSpec`, `DEFAULT_AGENT_PROFILE`): how the emulator's agents
 *   behave in their traces.
 */

// The commands and the traffic generator live in cli/ and traffic/ (the generator is a client
// of any API); this entry keeps exporting them.
export { EMULATOR_USAGE, type EmulatorCommandIO, runEmulatorCommand } from "../cli/emulator.js";
export { runTrafficCommand, TRAFFIC_USAGE, type TrafficCommandIO } from "../cli/traffic.js";
export {
  formatTrafficSummary,
  readContexts,
  runTraffic,
  type SessionFields,
  type TrafficAgentCounts,
  TrafficError,
  type TrafficOptions,
  type TrafficResult,
} from "../traffic/index.js";
export { createEmulator, listen, startEmulator } from "./app.js";
export {
  type ApiKeySpec,
  CredentialError,
  DEFAULT_TOKEN_TTL_S,
  type OAuthClientSpec,
  parseApiKeySpec,
  parseOAuthClientSpec,
  parseTtl,
  TOKEN_PATH,
} from "./auth.js";
export {
  type FieldIssue,
  /** @deprecated the former name of HttpProblem (renamed: the client has an ApiError of its own). */
  HttpProblem as ApiError,
  HttpProblem,
  /** @deprecated the former name of HttpProblemCode. */
  type HttpProblemCode as ApiErrorCode,
  type HttpProblemCode,
} from "./errors.js";
export { FaultSpecError, NO_FAULTS, parseFaultSpec } from "./faults.js";
export { JournalError } from "./journal/index.js";
export { EMULATOR_LIMITS } from "./limits.js";
export * from "./options.js";
export {
  type AgentProfile,
  type AgentProfileEntry,
  DEFAULT_AGENT_PROFILE,
  formatProfile,
  PROFILE_SETTINGS,
  type ProfilePatch,
  ProfileSpecError,
  parseAgentProfileFlag,
  parseProfileSpec,
} from "./profiles/index.js";
export { loadSeed, type SeedDocument, SeedError } from "./seed.js";
export { agentAnswer } from "./state/events.js";
export type { StoredTrace } from "./state/trace-log.js";
