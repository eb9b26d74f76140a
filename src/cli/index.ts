/** `pulumi-agent-alias/cli`: the subcommands as functions, for tests and embedding. */
export { evalCommand, HELP, previewCommand, resolveCommand, validateCommand } from "./commands.js";
export { type CliIO, EXIT, InputError } from "./io.js";
export { main, runCli, USAGE } from "./main.js";
