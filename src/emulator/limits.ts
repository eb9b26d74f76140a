/**
 * The emulator's limits, in one frozen place: the API's (wire/limits.ts) and its own. Input
 * over a limit is a 4xx naming the field, never a 5xx and never a stalled server.
 */
import { API_LIMITS, LIST_LIMIT, MAX_EVENT_MESSAGES, MAX_FAULT_LATENCY_MS } from "../wire/index.js";

export const EMULATOR_LIMITS = Object.freeze({
  /** Largest request body, in bytes (413 above it); `bodyLimit` / `--body-limit` override it. */
  bodyLimit: API_LIMITS.bodyBytes,
  /** Most levels of objects and arrays in a request body (the body itself is level 1). */
  maxJsonDepth: API_LIMITS.jsonDepth,
  /** `?limit=` bounds and default of every list call (API.md). */
  listLimit: LIST_LIMIT,
  /** Longest `?filter=` regular expression of the alias list, in characters. */
  maxFilterLength: 256,
  /** Longest path parameter the router accepts (longer keys are invalid anyway; this lets us say so). */
  maxParamLength: 512,
  /** Random hex characters of a generated key (`ase_support_1c2e`); grows on collisions. */
  generatedKeyHex: 4,
  /** Messages in one input_message event (the wire schema enforces it). */
  maxEventMessages: MAX_EVENT_MESSAGES,
  /** Events one session keeps; an input past it is refused (409), the session must be ended. */
  maxEventsPerSession: 10_000,
  /** Largest fault latency accepted, in milliseconds. */
  maxLatencyMs: MAX_FAULT_LATENCY_MS,
  /** Seconds a client is told to wait after an injected 503/429, when the fault config does not say. */
  defaultRetryAfter: 1,
});
