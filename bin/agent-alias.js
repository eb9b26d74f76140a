#!/usr/bin/env node
// The agent-alias command: runs the compiled CLI (npm run build produces dist/).
import { nodeVersionProblem } from "./node-version.js";

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem) {
  console.error(`agent-alias: ${problem}`);
  process.exit(1);
}
// Loaded only now: on an older Node its dependencies would fail before the check above ran.
const { main } = await import("../dist/cli/main.js");
await main(process.argv.slice(2));
