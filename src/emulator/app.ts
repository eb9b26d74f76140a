/**
 * The emulator as an app object (fastify): every call of API.md, `/_emulator/*`, auth,
 * faults, body limits and the error body, with no socket. `createEmulator` gives an object
 * that tests call with `inject`; `listen` puts it on a real socket.
 */
import v8 from "node:v8";
import { isMainThread, resourceLimits } from "node:worker_threads";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  aliasListQuerySchema,
  type FaultConfig,
  listQuerySchema,
  sessionListQuerySchema,
} from "../wire/index.js";
import {
  type ApiKeySpec,
  Credentials,
  type OAuthClientSpec,
  parseApiKeySpec,
  parseOAuthClientSpec,
  routeOperation,
} from "./auth.js";
import { ApiError, invalid, invalidField } from "./errors.js";
import { FaultSpecError, Faults, faultConfig, parseFaultSpec } from "./faults.js";
import { requestId } from "./ids.js";
import {
  DataFileLock,
  dataFileError,
  JournalError,
  JournalWriteError,
  JournalWriter,
  readCommitted,
  readJournal,
} from "./journal.js";
import { EMULATOR_LIMITS } from "./limits.js";
import { loadSeed, type SeedDocument, seedStore } from "./seed.js";
import {
  type AliasFilter,
  type JournalRecord,
  type PageRequest,
  type SessionPath,
  Store,
  type WriteResult,
} from "./store.js";
import { checkJsonTree, checkKeyParam, parseWith } from "./validation.js";

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
  /** The clock for timestamps and `currentDate` (tests pin it). */
  clock?: () => Date;
  /** Where diagnostics go (a failed write, a torn journal tail cut off). Default: nowhere. */
  log?: (line: string) => void;
}

export const DEFAULT_PORT = 8742;
/** Sessions the emulator keeps by default: ~5 MB of heap at ~500 bytes each. */
export const DEFAULT_MAX_SESSIONS = 10_000;
export const DEFAULT_HOST = "127.0.0.1";

/** A running emulator on a socket. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly emulator: Emulator;
  /** Stops accepting, drops open connections, flushes and closes the data file. */
  close(): Promise<void>;
}

export interface Emulator {
  /** The fastify instance; `app.inject(...)` calls it without a socket. */
  readonly app: FastifyInstance;
  readonly inject: FastifyInstance["inject"];
  /** Puts the app on a socket (options default to those given to createEmulator). */
  listen(at?: { port?: number; host?: string }): Promise<RunningEmulator>;
  /** Closes the app (and its socket, if listening) and the data file. Idempotent. */
  close(): Promise<void>;
}

/** Where the emulator issues OAuth tokens (API.md: `POST /oauth2/token`). */
export const TOKEN_PATH = "/oauth2/token";

const PAGE_KEY_RE = /^([a-z]+):(\d{1,15})$/;

function pageKey(collection: string, seq: number): string {
  return Buffer.from(`${collection}:${seq}`).toString("base64url");
}

function readPageKey(collection: string, key: string | undefined): number {
  if (key === undefined) return 0;
  const m = PAGE_KEY_RE.exec(Buffer.from(key, "base64url").toString("latin1"));
  if (!m || m[1] !== collection) throw invalidField("page_key", "is not a page key of this list");
  return Number(m[2]);
}

function pageRequest(
  collection: string,
  q: { limit?: number | undefined; page_key?: string | undefined },
): PageRequest {
  return { limit: q.limit ?? EMULATOR_LIMITS.listLimit.default, after: readPageKey(collection, q.page_key) };
}

function listBody<T>(name: string, collection: string, page: { items: T[]; next: number | undefined }) {
  return {
    [name]: page.items,
    metadata: page.next === undefined ? {} : { page_key: pageKey(collection, page.next) },
  };
}

let linearRegExp: boolean | undefined;
/** V8's flag for its linear-time regular expression engine. */
const LINEAR_FLAG = "l";

/**
 * Compiles a list `filter` (aliases, sessions). User regular expressions run on V8's
 * linear-time engine (the `l` flag; the V8 flag set here only makes that regexp flag available), so no pattern
 * can stall the server. Patterns that engine cannot run (backreferences, lookahead, large
 * counted repetitions) are a 400. Matching is case-sensitive (`[Ss]upport`).
 */
function compileFilter(source: string): RegExp {
  if (source.length > EMULATOR_LIMITS.maxFilterLength) {
    throw invalidField("filter", `must be at most ${EMULATOR_LIMITS.maxFilterLength} characters`);
  }
  if (linearRegExp === undefined) {
    try {
      v8.setFlagsFromString("--enable-experimental-regexp-engine");
      linearRegExp = new RegExp("a", LINEAR_FLAG).test("a");
    } catch {
      linearRegExp = false;
    }
  }
  try {
    return new RegExp(source, linearRegExp ? LINEAR_FLAG : "");
  } catch (e) {
    const msg = (e as Error).message;
    if (/linear time/.test(msg)) {
      throw invalidField(
        "filter",
        "cannot run in linear time (backreferences, lookahead and large counted repetitions are not supported)",
      );
    }
    throw invalidField("filter", `is not a valid regular expression: ${msg}`);
  }
}

function sendError(reply: FastifyReply, e: ApiError, req: FastifyRequest): void {
  const body: Record<string, unknown> = { messages: e.messages, request_id: req.id };
  if (e.fieldErrors !== undefined) body.field_errors = e.fieldErrors;
  if (e.id !== undefined) body.id = e.id;
  reply.code(e.status).send(body);
}

/** Fastify's own 4xx errors (body parsing, content type) in the API's words. */
function fromFramework(
  err: { code?: string; statusCode?: number; message: string },
  bodyLimit: number,
): ApiError {
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(413, [`body: larger than the limit of ${bodyLimit} bytes`], {
        body: `larger than ${bodyLimit} bytes`,
      });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(415, ["body: Content-Type must be application/json"], {
        body: "Content-Type must be application/json",
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError(400, ["body: length does not match Content-Length"], {
        body: "length does not match Content-Length",
      });
    default:
      return new ApiError(err.statusCode ?? 400, [err.message]);
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

type KeyParams = { agent_key?: string; alias_key?: string; session_key?: string };

function sessionPath(params: KeyParams): SessionPath {
  const session = checkKeyParam("session_key", params.session_key ?? "");
  if (params.alias_key !== undefined) return { alias: checkKeyParam("alias_key", params.alias_key), session };
  return { agent: checkKeyParam("agent_key", params.agent_key ?? ""), session };
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
  // `let`: rebuilt from the data file when a write could not be committed (journal.ts).
  let store = new Store(options.clock, maxSessions);
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
        const fresh = new Store(options.clock, maxSessions);
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
    if (journal) await journal.append(w.record);
  };

  let seedDoc: SeedDocument | undefined;
  try {
    seedDoc =
      options.seed === undefined
        ? undefined
        : typeof options.seed === "string"
          ? loadSeed(options.seed)
          : options.seed;
    if (options.seed !== undefined && seedDoc !== undefined)
      await seedStore(store, seedDoc, persist, typeof options.seed === "string" ? options.seed : "seed");
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
          ? new ApiError(414, [`path: longer than ${EMULATOR_LIMITS.maxParamLength} characters`])
          : new ApiError(400, ["path: is not valid URL encoding"]);
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
        new ApiError(415, ["body: Content-Type must be application/json"], {
          body: "Content-Type must be application/json",
        }),
        undefined,
      );
    }
    done(null, Object.fromEntries(new URLSearchParams(text as string)));
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return sendError(reply, err, req);
    const e = err as { code?: string; statusCode?: number; message: string };
    if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(reply, fromFramework(e, bodyLimit), req);
    }
    log(`${req.method} ${req.url} (${req.id}) failed: ${(err as Error).stack ?? String(err)}`);
    sendError(reply, new ApiError(500, [`internal error: ${e.message}`]), req);
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new ApiError(404, [`No such call: ${req.method} ${req.url.split("?")[0]}`]), req);
  });

  const authorize = (req: FastifyRequest, done: (err?: Error) => void): void => {
    if (req.routeOptions.url === TOKEN_PATH) {
      done();
      return;
    }
    try {
      const caller = credentials.identify(req.headers);
      const method = req.method === "HEAD" ? "GET" : req.method;
      const operation = routeOperation(method, req.routeOptions.url ?? "");
      if (operation !== undefined) credentials.authorize(caller, operation);
    } catch (e) {
      done(e as Error);
      return;
    }
    done();
  };

  // Every API route declares its operation (auth.ts), so none can skip the roles check.
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith("/v2/")) return;
    for (const m of [route.method].flat())
      if (m !== "HEAD" && routeOperation(m, route.url) === undefined)
        throw new Error(`route ${m} ${route.url} has no operation in the roles table (emulator/auth.ts)`);
  });

  app.addHook("onRequest", (req, reply, done) => {
    const url = req.url;
    if (url.startsWith("/_emulator/")) {
      if (url === "/_emulator/health" || url.startsWith("/_emulator/health?")) done();
      else authorize(req, done);
      return;
    }
    if (!faults.active) {
      authorize(req, done);
      return;
    }
    const d = faults.decide();
    const act = (): void => {
      if (d.kind === "none") {
        authorize(req, done);
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
        new ApiError(status, [
          status === 429 ? "Too many requests (injected fault)" : "Service unavailable (injected fault)",
        ]),
        req,
      );
    };
    if (d.latencyMs > 0) setTimeout(act, d.latencyMs);
    else act();
  });

  /** Answers a write once it is durable. */
  const reply = (res: FastifyReply, status: number, w: WriteResult<unknown>): void => {
    const answer = (): void => {
      if (status === 204) res.code(204).send();
      else res.code(status).send(w.value);
    };
    if (!journal) {
      answer();
      return;
    }
    // A refused write changed nothing (journal.ts): 507 when the disk is full, else 503.
    journal
      .append(w.record)
      .then(answer, (e: unknown) =>
        res.send(
          e instanceof JournalWriteError
            ? new ApiError(e.status, [e.message])
            : new ApiError(500, [`could not write the data file: ${(e as Error).message}`]),
        ),
      );
  };

  type P = { Params: KeyParams; Querystring: Record<string, unknown>; Body: unknown };

  // ---- /_emulator -----------------------------------------------------------------------
  app.get("/_emulator/health", (_req, res) => {
    res.send({ status: "ok" });
  });
  app.get("/_emulator/stats", (_req, res) => {
    res.send(store.stats({ ...faults.injected }));
  });
  app.get<{ Querystring: { gc?: string } }>("/_emulator/memory", (req, res) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (req.query.gc === "true") {
      if (gc === undefined) {
        throw invalidField("gc", "a full GC needs the emulator's Node started with --expose-gc");
      }
      gc();
    }
    const m = process.memoryUsage();
    res.send({
      rss: m.rss,
      heap_total: m.heapTotal,
      heap_used: m.heapUsed,
      thread: isMainThread ? "main" : "worker",
      young_generation_limit_mb: resourceLimits.maxYoungGenerationSizeMb ?? null,
      after_gc: req.query.gc === "true",
    });
  });
  app.get("/_emulator/faults", (_req, res) => {
    res.send(faults.config);
  });
  app.put<P>("/_emulator/faults", (req, res) => {
    try {
      faults.configure(faultConfig(req.body ?? {}));
    } catch (e) {
      if (e instanceof FaultSpecError) throw invalid(e.issues);
      throw e;
    }
    res.send(faults.config);
  });

  // ---- OAuth ----------------------------------------------------------------------------
  app.post<{ Body: Record<string, string> | undefined }>(TOKEN_PATH, (req, res) => {
    const body = req.body;
    const form = body !== null && typeof body === "object" && !Array.isArray(body) ? body : {};
    const { status, body: answer } = credentials.issue(
      Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string")),
      req.headers,
    );
    res.code(status).header("cache-control", "no-store").send(answer);
  });

  // ---- agents ---------------------------------------------------------------------------
  app.post<P>("/v2/agents", (req, res) => reply(res, 201, store.createAgent(req.body)));
  app.get<P>("/v2/agents", (req, res) => {
    const q = parseWith(listQuerySchema, req.query);
    res.send(listBody("agents", "agents", store.listAgents(pageRequest("agents", q))));
  });
  app.get<P>("/v2/agents/:agent_key", (req, res) => {
    res.send(store.getAgent(checkKeyParam("agent_key", req.params.agent_key ?? "")));
  });
  app.patch<P>("/v2/agents/:agent_key", (req, res) =>
    reply(res, 200, store.patchAgent(checkKeyParam("agent_key", req.params.agent_key ?? ""), req.body)),
  );
  app.delete<P>("/v2/agents/:agent_key", (req, res) =>
    reply(res, 204, store.deleteAgent(checkKeyParam("agent_key", req.params.agent_key ?? ""))),
  );

  // ---- aliases --------------------------------------------------------------------------
  app.post<P>("/v2/agent_aliases", (req, res) => reply(res, 201, store.createAlias(req.body)));
  app.get<P>("/v2/agent_aliases", (req, res) => {
    const q = parseWith(aliasListQuerySchema, req.query);
    const f: AliasFilter = {};
    if (q.enabled !== undefined) f.enabled = q.enabled === "true";
    if (q.aliased_agent_key !== undefined) f.aliasedAgentKey = q.aliased_agent_key;
    if (q.filter !== undefined) f.filter = compileFilter(q.filter);
    res.send(listBody("aliases", "aliases", store.listAliases(pageRequest("aliases", q), f)));
  });
  app.get<P>("/v2/agent_aliases/:alias_key", (req, res) => {
    res.send(store.getAlias(checkKeyParam("alias_key", req.params.alias_key ?? "")));
  });
  app.patch<P>("/v2/agent_aliases/:alias_key", (req, res) =>
    reply(res, 200, store.patchAlias(checkKeyParam("alias_key", req.params.alias_key ?? ""), req.body)),
  );
  app.put<P>("/v2/agent_aliases/:alias_key/policy", (req, res) =>
    reply(res, 200, store.replacePolicy(checkKeyParam("alias_key", req.params.alias_key ?? ""), req.body)),
  );
  app.delete<P>("/v2/agent_aliases/:alias_key", (req, res) =>
    reply(res, 204, store.deleteAlias(checkKeyParam("alias_key", req.params.alias_key ?? ""))),
  );

  // ---- sessions and events, through an alias and through an agent -----------------------
  app.post<P>("/v2/agent_aliases/:alias_key/sessions", (req, res) =>
    reply(
      res,
      201,
      store.createAliasSession(checkKeyParam("alias_key", req.params.alias_key ?? ""), req.body),
    ),
  );
  app.post<P>("/v2/agents/:agent_key/sessions", (req, res) =>
    reply(
      res,
      201,
      store.createAgentSession(checkKeyParam("agent_key", req.params.agent_key ?? ""), req.body),
    ),
  );
  for (const base of ["/v2/agent_aliases/:alias_key", "/v2/agents/:agent_key"]) {
    app.get<P>(`${base}/sessions`, (req, res) => {
      const q = parseWith(sessionListQuerySchema, req.query);
      const via =
        req.params.alias_key !== undefined
          ? { alias: checkKeyParam("alias_key", req.params.alias_key) }
          : { agent: checkKeyParam("agent_key", req.params.agent_key ?? "") };
      const filter = q.filter === undefined ? undefined : compileFilter(q.filter);
      res.send(listBody("sessions", "sessions", store.listSessions(via, pageRequest("sessions", q), filter)));
    });
    app.get<P>(`${base}/sessions/:session_key`, (req, res) => {
      res.send(store.getSession(sessionPath(req.params)));
    });
    app.patch<P>(`${base}/sessions/:session_key`, (req, res) =>
      reply(res, 200, store.patchSession(sessionPath(req.params), req.body)),
    );
    app.delete<P>(`${base}/sessions/:session_key`, (req, res) =>
      reply(res, 204, store.deleteSession(sessionPath(req.params))),
    );
    app.post<P>(`${base}/sessions/:session_key/events`, (req, res) =>
      reply(res, 201, store.addEvents(sessionPath(req.params), req.body)),
    );
    app.get<P>(`${base}/sessions/:session_key/events`, (req, res) => {
      const q = parseWith(listQuerySchema, req.query);
      res.send(
        listBody("events", "events", store.listEvents(sessionPath(req.params), pageRequest("events", q))),
      );
    });
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await app.close();
      await closeData();
    })());

  const emulator: Emulator = {
    app,
    inject: app.inject.bind(app) as FastifyInstance["inject"],
    close,
    async listen(at = {}) {
      const host = at.host ?? options.host ?? DEFAULT_HOST;
      await app.listen({ port: at.port ?? options.port ?? DEFAULT_PORT, host });
      const address = app.server.address();
      if (address === null || typeof address === "string")
        throw new Error(`unexpected server address ${String(address)}`);
      const h = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return { url: `http://${h}:${address.port}`, emulator, close };
    },
  };
  return emulator;
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
