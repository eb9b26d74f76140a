/**
 * The traffic generator *(ours)*: a client of any agent alias API (the emulator or the real
 * one) that creates sessions through an alias at a steady rate and posts an input to each, so
 * each yields a trace. `agent-alias emulator traffic` (cli/traffic.ts) is its command.
 *
 * - `runTraffic(options)`: runs it and resolves with what happened (TrafficResult); never
 *   throws for a failed call (it is counted), only for bad options (TrafficError);
 * - `readContexts(file)`: the session fields of `--metadata-from`;
 * - `formatTrafficSummary(result)`: the run in one line.
 */
export { contextsOfText, readContexts } from "./contexts.js";
export { checkOptions, runTraffic } from "./run.js";
export { formatTrafficSummary } from "./summary.js";
export * from "./types.js";
