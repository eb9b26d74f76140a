/**
 * What a subcommand needs from its process: output streams, standard input (read where a
 * file argument is `-`) and the working directory. Subcommands return an exit code instead of
 * calling process.exit, so tests call them directly.
 */

/** Standard input as a subcommand reads it: chunks of text or bytes. */
export type CliStdin = AsyncIterable<string | Uint8Array>;

export interface CliIO {
  readonly stdout: { write(chunk: string): unknown; isTTY?: boolean };
  readonly stderr: { write(chunk: string): unknown };
  /** Read where a file argument is `-` (defaults to process.stdin). */
  readonly stdin?: CliStdin;
  /** Working directory for relative paths (defaults to process.cwd()). */
  readonly cwd?: string;
  /** Environment for the API client's credentials (`validate --api`); defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Exit codes (CLI.md): 0 success, 1 a routing or check failure, 2 invalid input. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, invalid: 2 });

/** Bad input (file, flag, policy): printed to stderr, exit code 2. */
export class InputError extends Error {
  override readonly name = "InputError";
  readonly code = "invalid_input" as const;
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
