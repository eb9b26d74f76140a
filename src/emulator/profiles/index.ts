/**
 * How the emulator's agents behave *(ours)*: each agent has a profile (its share of errors
 * and their `error_type`s, its latency distribution, its tokens), and every input it answers
 * yields a trace drawn from that profile (API.md "Traces").
 *
 * A profile is written as a compact spec (`--agent-profile KEY=SPEC`, or a string `profile`
 * in the seed file): comma-separated `name=value` settings, each declared once in
 * PROFILE_SETTINGS (settings.ts), which also reads the seed file's structured form and writes
 * `--help`:
 *
 *   errors=0.08,error_types=llm_generation_error:3/stream_error:1,latency=120ms..400ms,tokens=300
 *
 * Settings not given take those of the `*` profile (`--agent-profile '*=…'`), then those of
 * DEFAULT_AGENT_PROFILE. A profile is configuration, not state: it is given at each start and
 * never journaled (the traces it produced are). The draws: behaviour.ts.
 */
export { AgentBehaviour, type Invocation } from "./behaviour.js";
export { formatProfile, PROFILE_SETTINGS, profileSpecHelp } from "./settings.js";
export {
  applyProfile,
  parseAgentProfileFlag,
  parseProfileSpec,
  parseSelector,
  readProfile,
  selects,
} from "./spec.js";
export {
  type AgentProfile,
  type AgentProfileEntry,
  ALIAS_SELECTOR,
  ALL_AGENTS,
  DEFAULT_AGENT_PROFILE,
  type ErrorTypeWeight,
  type LatencyDistribution,
  type LatencyProfile,
  PROFILE_LIMITS,
  type ProfilePatch,
  ProfileSpecError,
  type SessionFacts,
  type SessionSelector,
} from "./types.js";
