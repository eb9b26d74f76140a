/**
 * The package's leaf of measures: durations (read and written) and the percentile method.
 * Imports nothing, so every part (policy, rollout, CLI, emulator) may import it.
 */
export { formatDuration, formatMs, MS, parseDuration, parseDurationMs } from "./durations.js";
export { nearestRank } from "./percentile.js";
export { parseRate } from "./rates.js";
