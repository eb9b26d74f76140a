/**
 * `agent-alias emulator traffic …`: its flags, its usage and its exit status. The generator
 * itself is src/traffic (`runTraffic`); this module reads the command line into its options.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { contextsOfText, readContexts } from "../traffic/contexts.js";
import { checkOptions, runTraffic } from "../traffic/run.js";
import { formatTrafficSummary } from "../traffic/summary.js";
import { TrafficError, type TrafficOptions, type TrafficResult } from "../traffic/types.js";
import { parseDurationMs, parseRate } from "../units/index.js";
import { stringFlags } from "./args.js";
import { readStdin } from "./stdin.js";

export const TRAFFIC_USAGE = `Usage: agent-alias emulator traffic --alias KEY --rate R [options]

Creates sessions through an alias at a steady rate and posts one input to each, so each
yields a trace; prints a one-line summary (sessions, the split per agent with each agent's
trace errors and p95, failed calls). Works against the emulator or any API.

Options:
  --url URL          the API (default AGENT_ALIAS_API_URL, else http://127.0.0.1:8742)
  --api-key K        API key (default AGENT_ALIAS_API_KEY, else VECTARA_API_KEY)
  --alias KEY        the alias to create sessions through (required)
  --rate R           sessions per second: 50, 50/s, 3000/m (required)
  --count N          stop after N sessions
  --duration T       stop starting sessions after T: 500ms, 60s, 2m; a bare number is
                     seconds (default 60s when --count is not given)
  --metadata-from FILE
                     YAML/JSON list of session contexts (- reads standard input), used in turn: routing samples
                     ({context: {session: {metadata}}}), contexts ({session: {...}}) or
                     metadata objects ({user_id: u1, tier: gold})
  --users N          user_id from a pool of N (user-1..user-N) for sessions whose metadata
                     has none, so partition keys repeat (default 1000; 0 with
                     --metadata-from unless given)
  --seed S           seeds the user_id draws (same seed, same users per session)
  --message TEXT     the input's text (default hello)
  --concurrency N    most sessions in flight (default 64)
  --key-prefix P     session keys are P + a number (default trf_<random>_)
  --no-trace-summary do not read the run's traces afterwards
  --format human|json
                     the result as one line for people (the default, on a terminal or
                     not) or as JSON
  --json             the same as --format json
  -h, --help         show this help

Exit status: 0 when at least one session had its input answered; 1 when none had (every
session or input failed), or a call failed for good (401, 403, 404); 2 for bad options.
`;

/** What `agent-alias emulator` and `agent-alias emulator traffic` take from their process. */
export interface TrafficCommandIO {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  /** Base for relative file paths (default: process.cwd()). */
  readonly cwd?: string;
  /** Read for a file given as `-` (`--seed -`, `traffic --metadata-from -`); default process.stdin. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Environment for `AGENT_ALIAS_API_KEY` and the like (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Aborting it does what SIGINT and SIGTERM do: the emulator stops; the traffic generator stops
   * starting sessions (the summary is still printed).
   */
  readonly signal?: AbortSignal;
}

function whole(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,12}$/.test(raw) || Number(raw) < min)
    throw new TrafficError(`--${name} must be a whole number >= ${min}; got '${raw}'`);
  return Number(raw);
}

/** `agent-alias emulator traffic …`: resolves with the exit status (see TRAFFIC_USAGE). */
export async function runTrafficCommand(argv: readonly string[], io: TrafficCommandIO): Promise<number> {
  const env = io.env ?? process.env;
  let options: TrafficOptions;
  let json = false;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        ...stringFlags(["url", "api-key", "alias", "rate", "count", "duration"]),
        ...stringFlags(["metadata-from", "users", "seed", "message", "concurrency", "key-prefix"]),
        "no-trace-summary": { type: "boolean" },
        json: { type: "boolean" },
        format: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(TRAFFIC_USAGE);
      return 0;
    }
    if (values.format !== undefined && values.format !== "human" && values.format !== "json")
      throw new TrafficError(`--format must be one of human, json; got '${values.format}'`);
    if (positionals.length > 0) throw new TrafficError(`unexpected argument '${positionals[0]}'`);
    if (values.alias === undefined) throw new TrafficError("--alias is required");
    if (values.rate === undefined) throw new TrafficError("--rate is required (e.g. --rate 50/s)");
    const rate = parseRate(values.rate);
    if (rate === undefined)
      throw new TrafficError(`--rate: expected 50, 50/s or 3000/m; got '${values.rate}'`);
    json = values.json === true || values.format === "json";
    const apiKey = values["api-key"] ?? (env.AGENT_ALIAS_API_KEY || undefined);
    options = {
      url: values.url ?? (env.AGENT_ALIAS_API_URL || "http://127.0.0.1:8742"),
      ...(apiKey !== undefined ? { apiKey } : {}),
      clientOptions: { env: { ...env } },
      alias: values.alias,
      rate,
      traces: values["no-trace-summary"] !== true,
    };
    const count = whole("count", values.count, 1);
    if (count !== undefined) options.count = count;
    if (values.duration !== undefined) {
      const ms = parseDurationMs(values.duration, "s");
      if (ms === undefined || ms <= 0)
        throw new TrafficError(`--duration: expected 500ms, 60s, 2m; got '${values.duration}'`);
      options.durationMs = ms;
    }
    const from = values["metadata-from"];
    if (from === "-") options.contexts = contextsOfText(await readStdin(io), "-");
    else if (from !== undefined) options.contexts = readContexts(resolve(io.cwd ?? process.cwd(), from));
    const users = whole("users", values.users, 0);
    if (users !== undefined) options.users = users;
    const seed = whole("seed", values.seed, 0);
    if (seed !== undefined) options.seed = seed;
    if (values.message !== undefined) options.message = values.message;
    const concurrency = whole("concurrency", values.concurrency, 1);
    if (concurrency !== undefined) options.concurrency = concurrency;
    if (values["key-prefix"] !== undefined) options.keyPrefix = values["key-prefix"];
    checkOptions(options);
  } catch (e) {
    io.stderr.write(`agent-alias emulator traffic: ${(e as Error).message}\n\n${TRAFFIC_USAGE}`);
    return 2;
  }
  // The first signal stops starting sessions; those in flight finish and the summary is printed.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (io.signal?.aborted) stop.abort();
  else io.signal?.addEventListener("abort", onSignal, { once: true });
  let result: TrafficResult;
  try {
    result = await runTraffic({ ...options, signal: stop.signal });
  } catch (e) {
    io.stderr.write(`agent-alias emulator traffic: ${(e as Error).message}\n`);
    return (e as { code?: string }).code === "invalid_traffic" ? 2 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    io.signal?.removeEventListener("abort", onSignal);
  }
  io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${formatTrafficSummary(result)}\n`);
  if (result.stopped === "fatal") {
    io.stderr.write(`agent-alias emulator traffic: stopped: ${result.fatal}\n`);
    return 1;
  }
  if (result.inputs === 0)
    io.stderr.write(
      `agent-alias emulator traffic: no input was answered (${result.failures.sessions} session and ${result.failures.inputs} input calls failed)\n`,
    );
  return result.inputs > 0 ? 0 : 1;
}
