/**
 * A real emulator on 127.0.0.1, port 0, for any test that needs a server: `startTestEmulator`
 * returns its `url`, the `apiKey` it accepts, a small JSON `call` helper, and `close`.
 * Always close it (e.g. in `afterAll`/`afterEach` or a `try/finally`).
 */
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

export const TEST_API_KEY = "test-key";

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
}

export interface TestEmulator {
  readonly url: string;
  readonly apiKey: string;
  readonly running: RunningEmulator;
  /** One JSON call with the API key; `body` is sent as JSON unless it is a string. */
  call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<CallResult<T>>;
  close(): Promise<void>;
}

/** Sends one request to `url + path` and parses the JSON answer. */
export async function callJson<T = any>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<CallResult<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
}

/** Starts an in-process emulator on 127.0.0.1:0 (API key `test-key` unless `options.apiKey`). */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const apiKey = options.apiKey ?? TEST_API_KEY;
  const running = await startEmulator({ ...options, apiKey, host: "127.0.0.1", port: 0 });
  return {
    url: running.url,
    apiKey,
    running,
    call: (method, path, body, headers = {}) =>
      callJson(running.url, method, path, body, { "x-api-key": apiKey, ...headers }),
    close: () => running.close(),
  };
}
