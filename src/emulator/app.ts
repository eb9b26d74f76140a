/**
 * The emulator as an app object (fastify): every call of API.md, `/_emulator/*`, auth,
 * faults, body limits and the error body, with no socket. `createEmulator` gives an object
 * that tests call with `inject`; `listen` puts it on a real socket. The handlers are in
 * `routes/`, one module per resource, registered from the route table of `wire/routes.ts`;
 * this module holds the app's setup, its hooks (faults, auth, roles) and its error answers.
 */
import { randomInt } from "node:crypto";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { controlOf, type FaultConfig, routeOperation } from "../wire/index.js";
import {
  type ApiKeySpec,
  Credentials,
  type OAuthClientSpec,
  parseApiKeySpec,
  parseOAuthClientSpec,
  TOKEN_PATH,
} from "./auth.js";
import { HttpProblem, invalid, invalidField } from "./errors.js";
import { Faults, faultConfig, parseFaultSpec } from "./faults.js";
import { requestId } from "./ids.js";
import {
  DataFileLock,
  dataFileError,
  JournalError,
  JournalWriteError,
  JournalWriter,
  readCommitted,
  readJournal,
} from "./journal/index.js";
import { EMULATOR_LIMITS } from "./limits.js";
import { AgentBehaviour, type AgentProfileEntry, parseAgentProfileFlag } from "./profiles/index.js";
import { registerAgentRoutes } from "./routes/agents.js";
import { registerAliasRoutes } from "./routes/aliases.js";
import type { ApiContext } from "./routes/context.js";
import { registerEmulatorRoutes } from "./routes/emulator.js";
import { registerEventRoutes } from "./routes/events.js";
import { registerOAuthRoutes } from "./routes/oauth.js";
import { registerSessionRoutes } from "./routes/sessions.js";
import { registerTraceRoutes } from "./routes/traces.js";
import { loadSeed, type SeedDocument, seedStore } from "./seed.js";
import type { JournalRecord, WriteResult } from "./state/records.js";
import { Store } from "./state/store.js";
import { checkJsonTree } from "./validation.js";

export { TOKEN_PATH };

export interface EmulatorOptions {
  /** Port for `listen` (0: a free one). Default 8742. */
  port?: number;
  /** Host for `listen`. Default 127.0.0.1. */
  host?: string;
  /** Journal file: every acknowledged write is on disk before its answer (journal.ts). */
  dataFile?: string;
  /**
   * The accepted API key (as `owner`). When neither this nor `apiKeys` is given,
   * `AGENT_ALIAS_API_KEY` from `env` is used; with none, any non-empty key is accepted (API.md).
   */
  apiKey?: string;
  /** Accepted API keys with their roles (`ci=agent_developer`, or `{key, role}`); no role is `owner`. */
  apiKeys?: readonly (string | ApiKeySpec)[];
  /** OAuth clients (`ID=SECRET[=ROLE]` or `{id, secret, role}`): enables `POST /oauth2/token`. */
  oauthClients?: readonly (string | OAuthClientSpec)[];
  /** Lifetime of issued bearer tokens, in seconds (default 1800), on the emulator's clock. */
  tokenTtlSeconds?: number;
  /** Environment to read `AGENT_ALIAS_API_KEY` from; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Agents and aliases to create at start: a YAML/JSON file path or the document itself. */
  seed?: string | SeedDocument;
  /** Faults from the start: a spec string (`rate=0.2,latency=50ms`) or a configuration. */
  faults?: string | Partial<FaultConfig>;
  /** Largest request body in bytes (413 above it). Default 1 MiB. */
  bodyLimit?: number;
  /**
   * Most sessions kept in memory (0: no limit). Past it, each new session evicts the oldest
   * stored one (it then reads as not found, like an expired session; stats still count it),
   * so a long run at full rate holds flat memory. Default DEFAULT_MAX_SESSIONS.
   */
  maxSessions?: number;
  /**
   * Most traces kept in memory (0: no limit). Past it, each new trace evicts the oldest,
   * which then reads as not found. Default DEFAULT_MAX_TRACES.
   */
  maxTraces?: number;
  /**
   * How agents behave, for their traces (profiles.ts): `KEY=SPEC` strings as
   * `--agent-profile` takes them (`support-v2=errors=0.08,latency=120ms..400ms`; KEY `*`:
   * every agent), or entries. They win over the seed file's profiles, setting by setting.
   */
  agentProfiles?: readonly (string | AgentProfileEntry)[];
  /**
   * Seeds the agents' draws: the same seed and the same inputs per agent give the same
   * traces. Default: a random seed.
   */
  randomSeed?: number;
  /** The clock for timestamps and `currentDate` (tests pin it). */
  clock?: () => Date;
  /** Where diagnostics go (a failed write, a torn journal tail cut off). Default: nowhere. */
  log?: (line: string) => void;
}

export const DEFAULT_PORT = 8742;
/**
 * What stored data costs in heap, measured by the soak bench (BENCHMARKS.md, "Emulator
 * soak"): a session alone, a session with one input's two events, a trace. Nothing else
 * grows with traffic, so the defaults bound the heap: about 11 MB of sessions (with an input
 * each) and 18 MB of traces.
 */
export const STORED_BYTES = Object.freeze({ session: 600, sessionWithInput: 1150, trace: 370 });
/** Sessions the emulator keeps by default: ~6 MB of heap (~11 MB with an input each). */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Traces the emulator keeps by default: about 18 MB of heap. */
export const DEFAULT_MAX_TRACES = 50_000;
export const DEFAULT_HOST = "127.0.0.1";

/** A running emulator on a socket. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly emulator: Emulator;
  /** Stops accepting, drops open connections, flushes and closes the data file. */
  close(): Promise<void>;
}

/**
 * A request served without a socket (fastify's `inject`). The package's types name no fastify
 * type, so they compile in projects whose tsconfig cannot read fastify's own (CommonJS
 * without `esModuleInterop`).
 */
export interface InjectRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A string or Buffer is sent as it is; an object as JSON. */
  payload?: string | Buffer | object;
}

/** The answer to an InjectRequest. */
export interface InjectResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The body as text; `json()` parses it. */
  body: string;
  json<T = unknown>(): T;
}

/** The HTTP app under the emulator, as far as callers may use it: which routes it serves. */
export interface EmulatorApp {
  hasRoute(route: { method: string; url: string }): boolean;
}

export interface Emulator {
  /** The HTTP app (fastify underneath). */
  readonly app: EmulatorApp;
  /** Serves one request in memory, with the same behaviour as on a socket. */
  inject(request: InjectRequest): Promise<InjectResponse>;
  /** Puts the app on a socket (options default to those given to createEmulator). */
  listen(at?: { port?: number; host?: string }): Promise<RunningEmulator>;
  /** Closes the app (and its socket, if listening) and the data file. Idempotent. */
  close(): Promise<void>;
}

function sendError(reply: FastifyReply, e: HttpProblem, req: FastifyRequest): void {
  const body: Record<string, unknown> = { messages: e.messages, request_id: req.id };
  if (e.fieldErrors !== undefined) body.field_errors = e.fieldErrors;
  if (e.id !== undefined) body.id = e.id;
  reply.code(e.status).send(body);
}

/** Fastify's own 4xx errors (body parsing, content type) in the API's words. */
function fromFramework(
  err: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): HttpProblem {
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new HttpProblem(413, [`body: larger than the limit of ${bodyLimit} bytes`], {
        body: `larger than ${bodyLimit} bytes`,
      });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new HttpProblem(415, ["body: Content-Type must be application/json"], {
        body: "Content-Type must be application/json",
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new HttpProblem(400, ["body: length does not match Content-Length"], {
        body: "length does not match Content-Length",
      });
    default:
      return new HttpProblem(err.statusCode ?? 400, [err.message]);
  }
}

/** The API keys given as options: `apiKeys`, else `apiKey`. */
function givenKeys(options: EmulatorOptions): ApiKeySpec[] {
  const given = (options.apiKeys ?? []).map((k) => (typeof k === "string" ? parseApiKeySpec(k) : k));
  if (given.length === 0 && options.apiKey !== undefined && options.apiKey !== "")
    given.push({ key: options.apiKey });
  return given;
}

/** AGENT_ALIAS_API_KEY, used when neither the options nor the seed name a key. */
function envKeys(options: EmulatorOptions): ApiKeySpec[] {
  const fromEnv = (options.env ?? process.env).AGENT_ALIAS_API_KEY;
  return fromEnv === undefined || fromEnv === "" ? [] : [{ key: fromEnv }];
}

/**
 * Creates the emulator: replays `dataFile` when given, applies `seed`, and builds the app.
 * Throws (JournalError, SeedError, FaultSpecError) when a file or the fault spec is bad.
 */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const log = options.log ?? (() => {});
  const bodyLimit = options.bodyLimit ?? EMULATOR_LIMITS.bodyLimit;
  // Credentials given as options are checked before the data file is locked (a bad one
  // must not leave the lock held).
  const optionKeys = givenKeys(options);
  const givenClients = (options.oauthClients ?? []).map((c) =>
    typeof c === "string" ? parseOAuthClientSpec(c) : c,
  );

  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const behaviour = new AgentBehaviour(
    options.randomSeed ?? randomInt(0, 2 ** 32),
    (options.agentProfiles ?? []).map((p) => (typeof p === "string" ? parseAgentProfileFlag(p) : p)),
  );
  const traceOptions = { behaviour, maxTraces: options.maxTraces ?? DEFAULT_MAX_TRACES };
  // `let`: rebuilt from the data file when a write could not be committed (journal.ts).
  let store = new Store(options.clock, maxSessions, traceOptions);
  const faults = new Faults(
    options.faults === undefined
      ? undefined
      : typeof options.faults === "string"
        ? parseFaultSpec(options.faults)
        : faultConfig(options.faults),
  );

  let journal: JournalWriter | undefined;
  let lock: DataFileLock | undefined;
  const replay = (into: Store, records: readonly JournalRecord[], legacy: boolean, file: string): void => {
    records.forEach((r, i) => {
      try {
        into.replay(r, legacy);
      } catch (e) {
        throw new JournalError(
          `data file ${file}: record ${i + 1} (${r.op}) cannot be replayed: ${(e as Error).message}`,
        );
      }
    });
  };
  const closeData = async (): Promise<void> => {
    try {
      await journal?.close();
    } finally {
      lock?.release();
    }
  };
  if (options.dataFile !== undefined) {
    const file = options.dataFile;
    // The lock first: nothing reads (or cuts) the file while another emulator writes it.
    lock = DataFileLock.acquire(file, log);
    try {
      const contents = readJournal(file);
      for (const line of contents.notices) log(line);
      replay(store, contents.records, contents.version === 1, file);
      const writer = await JournalWriter.open(file, contents, log);
      journal = writer;
      // A failed commit: the file is back at its committed records; so is the state.
      writer.onRollback = () => {
        const fresh = new Store(options.clock, maxSessions, traceOptions);
        replay(fresh, readCommitted(file, writer.committedBytes), false, file);
        fresh.carryOver(store);
        store = fresh;
      };
      // Started with a lower --max-sessions than the file was written with.
      const evictions = store.evictOverLimit();
      if (evictions.length > 0) {
        await Promise.all(evictions.map((r) => writer.append(r)));
        log(`--max-sessions ${maxSessions}: evicted the ${evictions.length} oldest stored session(s)`);
      }
    } catch (e) {
      await closeData().catch(() => {});
      throw e instanceof JournalWriteError ? new JournalError(e.message) : dataFileError(e, file);
    }
  }
  const persist = async (w: WriteResult<unknown>): Promise<void> => {
    if (journal) await appendAll(journal, w);
  };

  let seedDoc: SeedDocument | undefined;
  try {
    seedDoc =
      options.seed === undefined
        ? undefined
        : typeof options.seed === "string"
          ? loadSeed(options.seed)
          : options.seed;
    if (options.seed !== undefined && seedDoc !== undefined) {
      const seeded = await seedStore(
        store,
        seedDoc,
        persist,
        typeof options.seed === "string" ? options.seed : "seed",
      );
      behaviour.setSeedProfiles(seeded.profiles);
    }
  } catch (e) {
    await closeData();
    throw e instanceof JournalWriteError ? new JournalError(e.message) : e;
  }

  const clock = options.clock;
  const credentials = new Credentials({
    // The keys of the options and the seed; with neither, AGENT_ALIAS_API_KEY; with none, any.
    apiKeys:
      optionKeys.length > 0 || seedDoc?.api_keys?.length
        ? [...optionKeys, ...(seedDoc?.api_keys ?? [])]
        : envKeys(options),
    oauthClients: [...givenClients, ...(seedDoc?.oauth_clients ?? [])],
    tokenTtlSeconds: options.tokenTtlSeconds,
    now: clock ? () => clock().getTime() : Date.now,
  });
  const app = Fastify({
    logger: false,
    bodyLimit,
    forceCloseConnections: true,
    genReqId: requestId,
    routerOptions: { maxParamLength: EMULATOR_LIMITS.maxParamLength },
    // The router's own refusals, in the API's error body.
    frameworkErrors: (err, req, reply) => {
      const e =
        err.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? new HttpProblem(414, [`path: longer than ${EMULATOR_LIMITS.maxParamLength} characters`])
          : new HttpProblem(400, ["path: is not valid URL encoding"]);
      sendError(reply, e, req);
    },
    // What Node's HTTP parser refuses before any route sees it (headers too large, bad syntax).
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === "ECONNRESET" || socket.destroyed || !socket.writable) return;
      const [status, reason, message] =
        err.code === "HPE_HEADER_OVERFLOW"
          ? [431, "Request Header Fields Too Large", "headers: larger than the server accepts"]
          : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
            ? [408, "Request Timeout", "request: not received in time"]
            : [400, "Bad Request", "request: not valid HTTP"];
      const body = JSON.stringify({ messages: [message], request_id: requestId() });
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
    if (text === "") return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(text as string);
    } catch (e) {
      return done(invalidField("body", `is not valid JSON: ${(e as Error).message}`), undefined);
    }
    const issue = checkJsonTree(value);
    if (issue) return done(invalid([issue]), undefined);
    done(null, value);
  });

  // OAuth's token request is a form (RFC 6749); no other call takes one.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (req, text, done) => {
    if (req.routeOptions.url !== TOKEN_PATH) {
      return done(
        new HttpProblem(415, ["body: Content-Type must be application/json"], {
          body: "Content-Type must be application/json",
        }),
        undefined,
      );
    }
    done(null, Object.fromEntries(new URLSearchParams(text as string)));
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpProblem) return sendError(reply, err, req);
    const e = err as { code?: string; statusCode?: number; message: string };
    if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, fromFramework(e, bodyLimit), req);
    }
    log(`${req.method} ${req.url} (${req.id}) failed: ${(err as Error).stack ?? String(err)}`);
    sendError(reply, new HttpProblem(500, [`internal error: ${e.message}`]), req);
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new HttpProblem(404, [`No such call: ${req.method} ${req.url.split("?")[0]}`]), req);
  });

  /** The API operation a request is a call of (the route table's name), if any. */
  const operationOf = (req: FastifyRequest) =>
    routeOperation(req.method === "HEAD" ? "GET" : req.method, req.routeOptions.url ?? "");

  /**
   * Who the caller is and whether its role may make the call: 401 or 403 (null when allowed).
   * The token request carries its own credentials; health needs none; another `/_emulator`
   * call needs the role its control declares (wire/emulator.ts), an API call its operation's.
   */
  const refusal = (req: FastifyRequest): Error | null => {
    if (req.routeOptions.url === TOKEN_PATH) return null;
    const [path = "", query = ""] = req.url.split("?", 2);
    const control = path.startsWith("/_emulator/")
      ? controlOf(req.method, path, new URLSearchParams(query))
      : undefined;
    if (control === "health") return null;
    try {
      const caller = credentials.identify(req.headers);
      if (control !== undefined) credentials.authorizeControl(caller, control);
      const operation = operationOf(req);
      if (operation !== undefined) credentials.authorize(caller, operation);
    } catch (e) {
      return e as Error;
    }
    return null;
  };

  // Every API route is one of the route table's (wire/routes.ts), so none can skip the roles check.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/_emulator/")) {
      for (const m of [route.method].flat())
        if (m !== "HEAD" && controlOf(m, route.url, new URLSearchParams()) === undefined)
          throw new Error(`route ${m} ${route.url} has no entry in EMULATOR_CONTROLS (wire/emulator.ts)`);
      return;
    }
    if (!route.url.startsWith("/v2/")) return;
    for (const m of [route.method].flat())
      if (m !== "HEAD" && routeOperation(m, route.url) === undefined)
        throw new Error(`route ${m} ${route.url} has no operation in the route table (wire/routes.ts)`);
  });

  // Authentication and roles first, then faults: a caller without a credential learns it
  // needs one (401), not that the server is down, and `/_emulator/*` never meets faults.
  app.addHook("onRequest", (req, reply, done) => {
    const refused = refusal(req);
    if (refused !== null || req.url.startsWith("/_emulator/") || !faults.active) {
      done(refused ?? undefined);
      return;
    }
    const d = faults.decide(operationOf(req));
    const act = (): void => {
      if (d.kind === "none") {
        done();
        return;
      }
      if (d.kind === "reset") {
        reply.hijack();
        const socket = req.raw.socket as { resetAndDestroy?: () => void; destroy(): void };
        if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      const status = faults.config.status;
      reply.header("retry-after", String(faults.config.retry_after));
      sendError(
        reply,
        new HttpProblem(status, [
          status === 429 ? "Too many requests (injected fault)" : "Service unavailable (injected fault)",
        ]),
        req,
      );
    };
    if (d.latencyMs > 0) setTimeout(act, d.latencyMs);
    else act();
  });

  /** Answers a write once it is durable. */
  const answerDurable = (res: FastifyReply, status: number, w: WriteResult<unknown>): void => {
    const send = (): void => {
      if (status === 204) res.code(204).send();
      else res.code(status).send(w.value);
    };
    if (!journal) {
      send();
      return;
    }
    // A refused write changed nothing (journal.ts): 507 when the disk is full, else 503.
    appendAll(journal, w).then(send, (e: unknown) =>
      res.send(
        e instanceof JournalWriteError
          ? new HttpProblem(e.status, [e.message])
          : new HttpProblem(500, [`could not write the data file: ${(e as Error).message}`]),
      ),
    );
  };

  // The handlers, by resource (routes/). The store is read per request: it may be rebuilt.
  const currentStore = (): Store => store;
  const api: ApiContext = { store: currentStore, answer: answerDurable };
  registerEmulatorRoutes(app, { store: currentStore, faults });
  registerOAuthRoutes(app, credentials);
  registerAgentRoutes(app, api);
  registerAliasRoutes(app, api);
  registerSessionRoutes(app, api);
  registerEventRoutes(app, api);
  registerTraceRoutes(app, api);

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
    async listen(at = {}) {
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
      return { url: `http://${h}:${address.port}`, emulator, close };
    },
  };
  return emulator;
}

/** Whether a bound address is reachable only from this machine (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\./.test(address);
}

/** Journals the records of a write, in order; settles once all are on disk (or one is refused). */
function appendAll(journal: JournalWriter, w: WriteResult<unknown>): Promise<void> {
  if (w.records.length === 1) return journal.append(w.records[0]!);
  return Promise.all(w.records.map((r) => journal.append(r))).then(() => undefined);
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
