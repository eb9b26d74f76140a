/**
 * What a subcommand needs from its process: output streams and whether stdout is a terminal.
 * Subcommands return an exit code instead of calling process.exit, so tests call them directly.
 */

export interface CliIO {
  readonly stdout: { write(chunk: string): unknown; isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown };
  /** Working directory for relative paths (defaults to process.cwd()). */
  readonly cwd?: string;
}

/** Exit codes (CLI.md): 0 success, 1 a routing or check failure, 2 invalid input. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, invalid: 2 });

/** Bad input (file, flag, policy): printed to stderr, exit code 2. */
export class InputError extends Error {
  override readonly name = "InputError";
  readonly code = "invalid_input" as const;
}

export type OutputFormat = "human" | "json" | "markdown";

/**
 * The output format: `--format` or `--json` when given; otherwise human on a terminal and
 * JSON when stdout is a pipe or a file, so scripts get machine output without a flag.
 */
export function outputFormat(
  values: { json?: boolean | undefined; format?: string | undefined },
  io: CliIO,
  allowed: readonly OutputFormat[] = ["human", "json"],
): OutputFormat {
  if (values.json) return "json";
  if (values.format !== undefined) {
    if (!(allowed as readonly string[]).includes(values.format)) {
      throw new InputError(`--format must be one of ${allowed.join(", ")}; got '${values.format}'`);
    }
    return values.format as OutputFormat;
  }
  return io.stdout.isTTY ? "human" : "json";
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
