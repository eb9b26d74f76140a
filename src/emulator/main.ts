/**
 * Entry point for `node dist/emulator/main.js [flags]`: the `emulator` subcommand on its own,
 * for child processes (tests, benchmarks) that need no CLI around it.
 */
import { runEmulatorCommand } from "../cli/emulator.js";

process.exitCode = await runEmulatorCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
