/**
 * The emulator as an app object (fastify): every call of API.md, `/_emulator/*`, auth,
 * faults, body limits and the error body, with no socket. `createEmulator` gives an object
 * that tests call with `inject`; `listen` puts it on a real socket. A start is a list of
 * steps (boot/: credentials, data file, seed), then the HTTP app (http/: the server with its
 * parsers and error answers, the hooks, the routes by resource).
 */
import { randomInt } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Credentials } from "./auth.js";
import { givenCredentials, makeCredentials } from "./boot/credentials.js";
import { appendAll, type DataFile, openDataFile, type StoreHolder } from "./boot/data-file.js";
import { applySeed } from "./boot/seeding.js";
import { Faults, faultConfig, parseFaultSpec } from "./faults.js";
import { answerDurable } from "./http/durable.js";
import { guardRequests, requireKnownRoutes } from "./http/hooks.js";
import { registerAgentRoutes } from "./http/routes/agents.js";
import { registerAliasRoutes } from "./http/routes/aliases.js";
import type { ApiContext } from "./http/routes/context.js";
import { registerEmulatorRoutes } from "./http/routes/emulator.js";
import { registerEventRoutes } from "./http/routes/events.js";
import { registerOAuthRoutes } from "./http/routes/oauth.js";
import { registerSessionRoutes } from "./http/routes/sessions.js";
import { registerTraceRoutes } from "./http/routes/traces.js";
import { createServer } from "./http/server.js";
import { EMULATOR_LIMITS } from "./limits.js";
import {
  DEFAULT_HOST,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_MAX_TRACES,
  DEFAULT_PORT,
  type Emulator,
  type EmulatorOptions,
  type RunningEmulator,
} from "./options.js";
import { AgentBehaviour, parseAgentProfileFlag } from "./profiles/index.js";
import type { WriteResult } from "./state/records.js";
import { Store } from "./state/store.js";

/** The agents' behaviour: the random seed and the profiles given as options (checked). */
function agentBehaviour(options: EmulatorOptions): AgentBehaviour {
  return new AgentBehaviour(
    options.randomSeed ?? randomInt(0, 2 ** 32),
    (options.agentProfiles ?? []).map((p) => (typeof p === "string" ? parseAgentProfileFlag(p) : p)),
  );
}

/** The faults in force from the start (FaultSpecError on a bad spec). */
function startingFaults(options: EmulatorOptions): Faults {
  return new Faults(
    options.faults === undefined
      ? undefined
      : typeof options.faults === "string"
        ? parseFaultSpec(options.faults)
        : faultConfig(options.faults),
  );
}

/** The routes, by resource (http/routes/). The store is read per request: it may be rebuilt. */
function registerRoutes(
  app: FastifyInstance,
  holder: StoreHolder,
  data: DataFile | undefined,
  credentials: Credentials,
  faults: Faults,
): void {
  const currentStore = (): Store => holder.store;
  const api: ApiContext = {
    store: currentStore,
    answer: (res, status, w) => answerDurable(data?.journal, res, status, w),
  };
  registerEmulatorRoutes(app, { store: currentStore, faults });
  registerOAuthRoutes(app, credentials);
  registerAgentRoutes(app, api);
  registerAliasRoutes(app, api);
  registerSessionRoutes(app, api);
  registerEventRoutes(app, api);
  registerTraceRoutes(app, api);
}

/**
 * Creates the emulator: replays `dataFile` when given, applies `seed`, and builds the app.
 * Throws (JournalError, SeedError, FaultSpecError) when a file or the fault spec is bad.
 */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const log = options.log ?? (() => {});
  const bodyLimit = options.bodyLimit ?? EMULATOR_LIMITS.bodyLimit;
  // Checked before the data file is locked (a bad one must not leave the lock held).
  const given = givenCredentials(options);
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const behaviour = agentBehaviour(options);
  const traceOptions = { behaviour, maxTraces: options.maxTraces ?? DEFAULT_MAX_TRACES };
  const newStore = (): Store => new Store(options.clock, maxSessions, traceOptions);
  const holder: StoreHolder = { store: newStore() };
  const faults = startingFaults(options);

  const data =
    options.dataFile === undefined
      ? undefined
      : await openDataFile(options.dataFile, holder, newStore, maxSessions, log);
  const closeData = async (): Promise<void> => {
    await data?.close();
  };
  const persist = async (w: WriteResult<unknown>): Promise<void> => {
    if (data) await appendAll(data.journal, w);
  };
  const seedDoc = await applySeed(options, holder.store, persist, behaviour, closeData);
  const credentials = makeCredentials(options, given, seedDoc);

  const app = createServer(bodyLimit, log);
  requireKnownRoutes(app);
  guardRequests(app, credentials, faults);
  registerRoutes(app, holder, data, credentials, faults);

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await app.close();
      await closeData();
    })());
  const emulator: Emulator = {
    app,
    inject: async (request) => {
      const r = await app.inject(request);
      return { statusCode: r.statusCode, headers: r.headers, body: r.body, json: <T>() => r.json() as T };
    },
    close,
    listen: (at = {}) => listenOn(app, emulator, credentials, options, at, log),
  };
  return emulator;
}

/** Puts `app` on a socket; warns when it is reachable from elsewhere with no credential configured. */
async function listenOn(
  app: FastifyInstance,
  emulator: Emulator,
  credentials: Credentials,
  options: EmulatorOptions,
  at: { port?: number; host?: string },
  log: (line: string) => void,
): Promise<RunningEmulator> {
  const host = at.host ?? options.host ?? DEFAULT_HOST;
  await app.listen({ port: at.port ?? options.port ?? DEFAULT_PORT, host });
  const address = app.server.address();
  if (address === null || typeof address === "string")
    throw new Error(`unexpected server address ${String(address)}`);
  const h = address.family === "IPv6" ? `[${address.address}]` : address.address;
  if (credentials.open && !isLoopback(address.address))
    log(
      `warning: listening on ${h} with no API key or OAuth client configured: anyone who can reach ` +
        "this address is accepted as owner, faults included; give --api-key KEY (or AGENT_ALIAS_API_KEY)",
    );
  return { url: `http://${h}:${address.port}`, emulator, close: emulator.close };
}

/** Whether a bound address is reachable only from this machine (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\./.test(address);
}

/** Creates an emulator and puts it on a socket: `{url, close}`. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await createEmulator(options);
  try {
    return await emulator.listen();
  } catch (e) {
    await emulator.close();
    throw e;
  }
}

/** Same as startEmulator. */
export const listen = startEmulator;
