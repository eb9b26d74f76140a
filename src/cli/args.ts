/**
 * Flag parsing for every `agent-alias` subcommand (CLI.md), in one place: each command's flags
 * (`COMMAND_FLAGS`), the output formats it takes, `--format`/`--json` and `--keys` validation,
 * and the usage errors shared by the commands. Every failure is an InputError (exit 2).
 */
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { SETTING_NAMES, type SettingName } from "../client/settings.js";
import { SIMULATION_KEYS } from "../policy/index.js";
import { parseDuration } from "../units/index.js";
import { type CliIO, EXIT, InputError } from "./io.js";

const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const satisfies ParseArgsOptionsConfig;

const FORMAT_FLAGS = {
  json: { type: "boolean" },
  format: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

const DIFF_FLAGS = {
  ...FORMAT_FLAGS,
  samples: { type: "string" },
  keys: { type: "string" },
  "fail-on-warnings": { type: "boolean" },
} as const satisfies ParseArgsOptionsConfig;

type Kebab<S extends string> = S extends `${infer C}${infer R}`
  ? `${C extends Lowercase<C> ? C : `-${Lowercase<C>}`}${Kebab<R>}`
  : S;

/** The rollout's flag naming the stack config key of a connection setting: `api-url-config`. */
export type SettingFlag = `${Kebab<SettingName>}-config`;

/** `apiUrl` -> `api-url-config` (the settings table, client/settings.ts). */
export const settingFlag = (name: SettingName): SettingFlag =>
  `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-config` as SettingFlag;

/** A flag taking a string for each of `names`. */
export function stringFlags<const N extends string>(names: readonly N[]): Record<N, { type: "string" }> {
  return Object.fromEntries(names.map((name) => [name, { type: "string" }])) as Record<N, { type: "string" }>;
}

/** One flag per connection setting: the stack config key a rollout reads it from. */
const SETTING_FLAGS = stringFlags(SETTING_NAMES.map(settingFlag));

/** Each subcommand's flags; `--help`/`-h` is added to all of them by `parseFlags`. */
export const COMMAND_FLAGS = {
  validate: { ...FORMAT_FLAGS, api: { type: "string" } },
  resolve: { ...FORMAT_FLAGS, context: { type: "string" }, contexts: { type: "string" } },
  eval: { ...FORMAT_FLAGS, context: { type: "string" } },
  preview: { ...FORMAT_FLAGS, samples: { type: "string" }, keys: { type: "string" } },
  diff: DIFF_FLAGS,
  review: { ...DIFF_FLAGS, base: { type: "string" } },
  rollout: {
    ...FORMAT_FLAGS,
    ...stringFlags(["stack", "cwd", "policy", "config-key", "config-file", "alias"]),
    ...stringFlags(["interval", "from-stage", "events", "up-log", "port"]),
    "show-up": { type: "boolean" },
    serve: { type: "boolean" },
    "dry-run": { type: "boolean" },
    resume: { type: "boolean" },
    "allow-back": { type: "boolean" },
    ...SETTING_FLAGS,
  },
} as const satisfies Record<string, ParseArgsOptionsConfig>;

/**
 * parseArgs with a command's flags plus `--help`, positionals allowed, unknown flags refused.
 * A bad flag is an InputError carrying parseArgs' message.
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(argv: string[], options: T) {
  try {
    const config = {
      args: argv,
      options: { ...options, ...HELP_FLAG },
      allowPositionals: true,
      strict: true,
    } as const;
    return parseArgs<typeof config>(config);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

export type OutputFormat = "human" | "json" | "markdown";

/** The formats each command takes with `--format`: diff and review also render Markdown. */
export const COMMAND_FORMATS = Object.freeze({
  validate: ["human", "json"],
  resolve: ["human", "json"],
  eval: ["human", "json"],
  preview: ["human", "json"],
  diff: ["human", "json", "markdown"],
  review: ["human", "json", "markdown"],
  rollout: ["human", "json", "markdown"],
} as const satisfies Record<keyof typeof COMMAND_FLAGS, readonly OutputFormat[]>);

/**
 * The output format: `--format` or `--json` when given, otherwise human, on a terminal or not
 * (CLI.md: CI logs are read by people; a script asks for `--json`). A `--format` outside
 * `allowed` is an InputError.
 */
export function outputFormat(
  values: { json?: boolean | undefined; format?: string | undefined },
  allowed: readonly OutputFormat[],
): OutputFormat {
  if (values.format !== undefined && !(allowed as readonly string[]).includes(values.format))
    throw new InputError(`--format must be one of ${allowed.join(", ")}; got '${values.format}'`);
  if (values.json && values.format !== undefined && values.format !== "json")
    throw new InputError(`--json and --format ${values.format} ask for two formats; give one`);
  if (values.json) return "json";
  if (values.format !== undefined) return values.format as OutputFormat;
  return "human";
}

/**
 * A subcommand's flags (`parseFlags` with `COMMAND_FLAGS[command]`) and its output format
 * (`outputFormat` with `COMMAND_FORMATS[command]`). The format is read when the command calls
 * `format()`: after `--help` and the command's own usage checks, so those answer first.
 */
export function commandFlags<C extends keyof typeof COMMAND_FLAGS>(argv: string[], command: C) {
  const parsed = parseFlags(argv, COMMAND_FLAGS[command]);
  const values = parsed.values as { json?: boolean | undefined; format?: string | undefined };
  return { ...parsed, format: () => outputFormat(values, COMMAND_FORMATS[command]) };
}

/** `--format human|json` (and `|markdown` where the command renders it), as each --help names it. */
export function formatUsage(allowed: readonly OutputFormat[]): string {
  return `--format ${allowed.join("|")}`;
}

/** What every command's help says about its output and its files. */
export function outputHelp(allowed: readonly OutputFormat[]): string {
  return `Output is for people (${formatUsage(["human"])}) unless asked: --json or ${formatUsage(["json"])} prints
JSON, on a terminal or not${allowed.includes("markdown") ? "; --format markdown a pull-request comment" : ""}. A file given as - is read from standard input.`;
}

/** `--keys N`: synthetic partition keys per rule (preview, diff, review). */
export const KEYS_FLAG = SIMULATION_KEYS;

/** The `--keys` value, `KEYS_FLAG.default` when absent; anything but a whole number in range is an InputError. */
export function parseKeys(value: string | undefined): number {
  if (value === undefined) return KEYS_FLAG.default;
  const keys = Number(value);
  if (!Number.isInteger(keys) || keys < KEYS_FLAG.min || keys > KEYS_FLAG.max) {
    throw new InputError(
      `--keys must be a whole number from ${KEYS_FLAG.min} to ${KEYS_FLAG.max}; got '${value}'`,
    );
  }
  return keys;
}

/** A usage error, exit 2: main writes it as `agent-alias COMMAND: MESSAGE`. */
export function usageError(message: string): InputError {
  return new InputError(message);
}

/** A duration flag's milliseconds (`2s`, `500ms`), `fallback` when absent; anything else is a usage error. */
export function durationFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1)
    throw usageError(`--${name} must be a duration like 10s or 500ms; got '${text}'`);
  return ms;
}

/** A `--port` flag: a port number, 0 (the default) for a free one; anything else is a usage error. */
export function portFlag(text: string | undefined): number {
  const port = text === undefined ? 0 : Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`--port must be a port number (0: a free one); got '${text}'`);
  return port;
}

/** The one positional argument; otherwise `give exactly one WHAT`. */
export function onePositional(positionals: readonly string[], what: string): string {
  const [first, ...extra] = positionals;
  if (first === undefined || extra.length > 0) throw usageError(`give exactly one ${what}`);
  return first;
}

/** Prints a command's help text; exit 0. */
export function writeHelp(io: CliIO, text: string): number {
  io.stdout.write(`${text}\n`);
  return EXIT.ok;
}
