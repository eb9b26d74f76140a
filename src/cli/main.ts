/**
 * `agent-alias`: a thin shell over exported functions (CLI.md). `runCli(argv, io)` returns
 * the exit code; `main` wires it to the process.
 */
import { evalCommand, previewCommand, resolveCommand, validateCommand } from "./commands.js";
import { diffCommand } from "./diff.js";
import { type CliIO, EXIT } from "./io.js";
import { pluginCommand } from "./plugin.js";
import { reviewCommand } from "./review.js";

type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
  resolve: resolveCommand,
  eval: evalCommand,
  preview: previewCommand,
  diff: diffCommand,
  review: reviewCommand,
  plugin: pluginCommand,
  // Loaded on demand: the Automation API is not needed by the offline commands.
  rollout: async (argv, io) => (await import("./rollout.js")).rolloutCommand(argv, io),
  // Loaded on demand: the server's dependencies are not needed by the offline commands.
  emulator: async (argv, io) => (await import("./emulator.js")).runEmulatorCommand(argv, io),
};

export const USAGE = `Usage: agent-alias <command> [options]

Commands:
  validate POLICY...                     validate policy files offline
  resolve POLICY --context FILE          resolve one routing context
  resolve POLICY --contexts FILE.jsonl   resolve one context per line
  eval 'EXPR' [--context FILE]           evaluate one UserFn expression
  preview POLICY [--samples FILE]        simulate a policy over samples and synthetic keys
  diff OLD NEW [--samples FILE]          compare two versions: rules, samples, keys that move
  review --base REF                      diff every policy file changed since a git ref
  emulator [--port N] [--data FILE] ...  run the local API emulator (prints its URL first)
  emulator traffic --alias KEY --rate R  send sessions and inputs through an alias (rehearsals)
  rollout --stack S --policy FILE        drive a stack through its canary stages, judged on traces
  rollout status|dashboard --stack S     see a running rollout from anywhere (text, or a page)
  rollout pause|resume|promote|abort     steer it from anywhere (--stack S [--reason TEXT])
  plugin install                         install the native Pulumi provider plugin (any language)

Output is for people, on a terminal or not (--format human); --json or --format json prints
JSON, and diff, review and rollout also take --format markdown (a pull-request comment).
Wherever a command reads a file, - reads standard input.
Exit codes: 0 success, 1 a routing or check failure, 2 invalid input.
Run 'agent-alias <command> --help' for a command's options.
`;

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(USAGE);
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  if (name === "--version") {
    const { createRequire } = await import("node:module");
    io.stdout.write(`${createRequire(import.meta.url)("../../package.json").version}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`agent-alias: unknown command '${name}'\n\n${USAGE}`);
    return EXIT.invalid;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if ((e as { code?: unknown }).code === "invalid_input") {
      io.stderr.write(`agent-alias ${name}: ${(e as Error).message}\n`);
      return EXIT.invalid;
    }
    throw e;
  }
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
}
