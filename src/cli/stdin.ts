/** Standard input for the emulator's commands, where a file argument is `-`. */
import { readStreamText } from "../policy/documents.js";

/** The most a file given as `-` may hold (a seed, a traffic metadata file). */
const STDIN_MAX_BYTES = 64 * 1024 * 1024;

/** Standard input's text, for a file given as `-`. */
export async function readStdin(io: {
  readonly stdin?: AsyncIterable<string | Uint8Array>;
}): Promise<string> {
  const text = await readStreamText(io.stdin ?? process.stdin, STDIN_MAX_BYTES);
  if (text === null)
    throw new Error(`-: standard input is larger than the limit of ${STDIN_MAX_BYTES} bytes`);
  return text;
}
