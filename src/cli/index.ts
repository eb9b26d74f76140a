/** `pulumi-agent-alias/cli`: the subcommands as functions, for tests and embedding. */
export { evalCommand, HELP, previewCommand, resolveCommand, validateCommand } from "./commands.js";
export { DIFF_HELP, diffCommand } from "./diff.js";
export { type CliIO, EXIT, InputError } from "./io.js";
export { main, runCli, USAGE } from "./main.js";
export { diffHuman, diffMarkdown, REVIEW_MARKER, reviewMarkdown } from "./markdown.js";
export type { ReviewFile, ReviewReport } from "./reports.js";
export { REVIEW_HELP, reviewCommand } from "./review.js";
