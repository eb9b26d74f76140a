/**
 * `agent-alias emulator [--port N] [--host H] [--data FILE] [--api-key KEY[=ROLE]]...
 * [--oauth-client ID=SECRET[=ROLE]]... [--token-ttl T] [--seed FILE] [--faults SPEC]
 * [--body-limit BYTES] [--max-sessions N] [--max-traces N] [--agent-profile KEY=SPEC]...
 * [--random-seed N]`: runs the emulator until SIGINT or SIGTERM (or `io.signal`). The first
 * line of stdout is the URL; diagnostics go to stderr. `agent-alias emulator traffic …`
 * runs the traffic generator instead (cli/traffic.ts). The server is src/emulator.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startEmulator } from "../emulator/app.js";
import { parseApiKeySpec, parseOAuthClientSpec, parseTtl } from "../emulator/auth.js";
import type { EmulatorOptions } from "../emulator/options.js";
import { parseAgentProfileFlag, profileSpecHelp } from "../emulator/profiles/index.js";
import { parseSeed } from "../emulator/seed.js";
import { startEmulatorThread } from "../emulator/thread.js";
import { readStdin } from "./stdin.js";
import type { TrafficCommandIO } from "./traffic.js";

export interface EmulatorCommandIO extends TrafficCommandIO {
  /**
   * Run the server on the calling thread instead of its own worker thread (emulator/thread.ts). For
   * tests that run the TypeScript sources, which a worker thread cannot load.
   */
  readonly inProcess?: boolean;
}

export const EMULATOR_USAGE = `Usage: agent-alias emulator [options]
       agent-alias emulator traffic --alias KEY --rate R [options]   (see traffic --help)

Runs the agent alias API (API.md) on loopback. Prints its URL on the first line of stdout and
nothing else there, so it takes no --format (its diagnostics go to stderr); the result of
'emulator traffic' is --format human|json.

Options:
  --port N          port to listen on (0: a free one; default 8742)
  --host H          address to listen on (default 127.0.0.1)
  --data FILE       keep state in FILE: every acknowledged write survives a crash
  --api-key KEY[=ROLE]
                    an accepted API key and its role (default owner); repeatable.
                    Roles: owner, administrator, agent_administrator, agent_developer,
                    agent_user, agent_viewer, viewer. Default: AGENT_ALIAS_API_KEY;
                    with neither, any key is accepted as owner
  --oauth-client ID=SECRET[=ROLE]
                    an OAuth client (default role owner); repeatable. Enables
                    POST /oauth2/token (client credentials) on the emulator
  --token-ttl T     lifetime of issued tokens: seconds, or 90s, 30m, 2h (default 30m)
  --seed FILE       YAML/JSON with agents and aliases to create at start (- reads standard
                    input)
  --faults SPEC     inject faults, e.g. rate=0.2,status=503,latency=50ms,reset=0.05,seed=1;
                    ops=traces.list+sessions limits them to those operations (or groups)
  --body-limit N    largest request body in bytes (default 1048576)
  --max-sessions N  most sessions kept; past it each new session evicts the oldest
                    (it then reads as not found; stats count every session). 0: no
                    limit. Default 10000 (~6 MB; ~11 MB with an input each)
  --max-traces N    most traces kept; past it each new trace evicts the oldest. 0: no
                    limit. Default 50000 (~18 MB)
  --agent-profile KEY[SELECTOR]=SPEC
                    how agent KEY ('*': every agent) behaves in its traces; repeatable;
                    wins over the seed's agents: [{key, name, profile: SPEC}], e.g.
                    --agent-profile support-v2=errors=0.08,latency=120ms..400ms.
                    SELECTOR limits it to some sessions, over the agent's own profile:
                    NAME=VALUE,… on session metadata, or @alias=KEY (the alias the
                    session came through), e.g. 'support-v2[tenant=eu]=errors=0.2';
                    in a seed: agents: [{key, profiles: [{when: {tenant: eu}, profile: SPEC}]}]
  --random-seed N   seeds the agents' draws: the same seed and the same inputs per agent
                    give the same traces (default: random)
  -h, --help        show this help

Agent profiles: every input an agent answers yields a trace (GET /v2/agent_analytics/traces)
drawn from its profile. SPEC is comma-separated settings, e.g.
errors=0.08,error_types=llm_generation_error:3/stream_error,latency=120ms..400ms,tokens=300
${profileSpecHelp()}
`;

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_INVALID = 2;
/**
 * Error codes of bad input given on the command line (a file or the fault spec), and of a data
 * file held by another emulator (`data_file_locked`).
 */
const INPUT_ERRORS = new Set([
  "invalid_seed",
  "bad_data_file",
  "data_file_locked",
  "invalid_faults",
  "invalid_credentials",
  "invalid_profile",
]);
/** Errors about the data file, whose messages say `data file PATH` (emulator/journal): `--data PATH` here. */
const DATA_FILE_ERRORS = new Set(["bad_data_file", "data_file_locked"]);

function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return Number(raw);
}

/**
 * Runs the `emulator` subcommand; resolves with the exit code once the server has stopped
 * (0 after a signal; 2 for bad flags, files or fault spec; 1 when it cannot start otherwise, e.g. the port is taken). Never calls process.exit.
 */
export async function runEmulatorCommand(argv: readonly string[], io: EmulatorCommandIO): Promise<number> {
  if (argv[0] === "traffic") return (await import("./traffic.js")).runTrafficCommand(argv.slice(1), io);
  let options: EmulatorOptions | "help";
  try {
    options = await emulatorOptions(argv, io);
  } catch (e) {
    io.stderr.write(`agent-alias emulator: ${(e as Error).message}\n\n${EMULATOR_USAGE}`);
    return EXIT_INVALID;
  }
  if (options === "help") {
    io.stdout.write(EMULATOR_USAGE);
    return EXIT_OK;
  }
  return serve(options, io);
}

/** The emulator's options from its flags; "help" for --help. Throws on a bad flag or file. */
async function emulatorOptions(
  argv: readonly string[],
  io: EmulatorCommandIO,
): Promise<EmulatorOptions | "help"> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      data: { type: "string" },
      "api-key": { type: "string", multiple: true },
      "oauth-client": { type: "string", multiple: true },
      "token-ttl": { type: "string" },
      seed: { type: "string" },
      faults: { type: "string" },
      "body-limit": { type: "string" },
      "max-sessions": { type: "string" },
      "max-traces": { type: "string" },
      "agent-profile": { type: "string", multiple: true },
      "random-seed": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return "help";
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  const cwd = io.cwd ?? process.cwd();
  const options: EmulatorOptions = { log: (line) => io.stderr.write(`agent-alias emulator: ${line}\n`) };
  const port = integer("port", values.port, 0, 65535);
  if (port !== undefined) options.port = port;
  if (values.host !== undefined) options.host = values.host;
  if (values.data !== undefined) options.dataFile = resolve(cwd, values.data);
  if (values["api-key"] !== undefined) options.apiKeys = values["api-key"].map((k) => parseApiKeySpec(k));
  if (values["oauth-client"] !== undefined)
    options.oauthClients = values["oauth-client"].map(parseOAuthClientSpec);
  if (values["token-ttl"] !== undefined) options.tokenTtlSeconds = parseTtl(values["token-ttl"]);
  if (io.env !== undefined) options.env = io.env;
  if (values.seed === "-") options.seed = parseSeed(await readStdin(io), "-");
  else if (values.seed !== undefined) options.seed = resolve(cwd, values.seed);
  if (values.faults !== undefined) options.faults = values.faults;
  const limit = integer("body-limit", values["body-limit"], 1, 1024 ** 3);
  if (limit !== undefined) options.bodyLimit = limit;
  const maxSessions = integer("max-sessions", values["max-sessions"], 0, 100_000_000);
  if (maxSessions !== undefined) options.maxSessions = maxSessions;
  const maxTraces = integer("max-traces", values["max-traces"], 0, 100_000_000);
  if (maxTraces !== undefined) options.maxTraces = maxTraces;
  if (values["agent-profile"] !== undefined) {
    for (const p of values["agent-profile"]) parseAgentProfileFlag(p); // checked here: exit 2
    options.agentProfiles = values["agent-profile"];
  }
  const randomSeed = integer("random-seed", values["random-seed"], 0, 2 ** 32 - 1);
  if (randomSeed !== undefined) options.randomSeed = randomSeed;
  return options;
}

/** Starts the server (on its own thread unless `io.inProcess`), prints its URL, runs until a signal. */
async function serve(options: EmulatorOptions, io: EmulatorCommandIO): Promise<number> {
  let running: { url: string; close(): Promise<void>; exited?: Promise<number> };
  try {
    if (io.inProcess) running = await startEmulator(options);
    else {
      const { log, seed, clock: _clock, ...data } = options;
      running = await startEmulatorThread({ ...data, ...(seed !== undefined ? { seed } : {}) }, log);
    }
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    let message = (e as Error).message;
    if (DATA_FILE_ERRORS.has(code)) message = message.replace(/^data file /, "--data ");
    io.stderr.write(`agent-alias emulator: ${message}\n`);
    return INPUT_ERRORS.has(code) ? EXIT_INVALID : EXIT_FAILURE;
  }
  io.stdout.write(`${running.url}\n`);

  // Stop on the first signal; later ones (a second Ctrl-C) are ignored until it has stopped.
  let done: (why: "stop") => void = () => {};
  const stopped = new Promise<"stop">((resolve) => (done = resolve));
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    io.stderr.write(`agent-alias emulator: ${why}, stopping\n`);
    done("stop");
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  const onAbort = () => stop("stopped");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  if (io.signal?.aborted) stop("stopped");
  else io.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const why = await Promise.race([stopped, running.exited ?? new Promise<never>(() => {})]);
    if (why !== "stop") {
      io.stderr.write(`agent-alias emulator: the server thread stopped unexpectedly (exit ${why})\n`);
      return EXIT_FAILURE;
    }
    await running.close();
    return EXIT_OK;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    io.signal?.removeEventListener("abort", onAbort);
  }
}
