/**
 * The provider plugin's two forms side by side: the self-contained executable (linux-amd64,
 * from a release folder) and the Node.js-launcher form of the npm package
 * (bin/pulumi-resource-agent-alias running dist/native/main.js on the project's Node.js).
 * Start-up: from spawn until the plugin prints its port (what the engine waits for), rounds
 * alternating the two forms after one warm-up each; resident memory then (VmRSS). Size: the
 * executable and its archive for each target; the launcher form as installed (the package,
 * its production dependencies from a fresh `npm install` of the release tarball, and a
 * Node.js of its own, which a machine without one needs).
 *
 * Usage: npm run build && npm run release && node bench/plugin-startup.bench.ts [--release DIR] [--rounds N] [--record]
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pluginArchive } from "../release/artifacts.ts";
import { binaryName, EXECUTABLES, NODE_VERSION, TARGETS, targetName } from "../release/targets.ts";
import { installTarballs } from "../test/helpers/npm.ts";
import { recordSection } from "./record.ts";

const REPO = join(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    release: { type: "string", default: join(REPO, "artifacts") },
    rounds: { type: "string", default: "20" },
    record: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(values.rounds);
const PLUGIN = EXECUTABLES[0]!;
const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), "agent-alias-startup-"));
const MB = (n: number) => Math.round(n / 1e5) / 10;

/** Bytes of a folder's files, recursively (links counted as links). */
function sizeOf(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** Milliseconds from spawn to the port line, and the process's resident memory then (kB). */
function start(command: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, ["127.0.0.1:1"], { env, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      if (!out.includes("\n")) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      child.kill();
      resolve({ ms, rssKb });
    });
    child.on("exit", (code) =>
      out.includes("\n") ? undefined : reject(new Error(`${command} exited ${code}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1]!;

try {
  const linux = TARGETS.find((t) => targetName(t) === "linux-amd64")!;
  execFileSync("tar", [
    "-xzf",
    join(values.release, pluginArchive(PLUGIN.name, version, "linux", "amd64")),
    "-C",
    work,
  ]);
  const executable = join(work, binaryName(PLUGIN, linux));
  const launcher = join(REPO, "bin/pulumi-resource-agent-alias");
  const nodeBin = join(REPO, "node_modules/.bin");
  const forms = {
    executable: { command: executable, env: {} },
    launcher: { command: launcher, env: { PATH: `${nodeBin}:/usr/bin:/bin` } },
  };
  const nodeVersion = execFileSync(join(nodeBin, "node"), ["--version"], { encoding: "utf8" }).trim();
  const results: Record<keyof typeof forms, { ms: number; rssKb: number }[]> = {
    executable: [],
    launcher: [],
  };
  for (const form of Object.values(forms)) await start(form.command, form.env);
  const load = loadavg()[0]!;
  for (let round = 0; round < ROUNDS; round++) {
    const order = (
      round % 2 === 0 ? ["executable", "launcher"] : ["launcher", "executable"]
    ) as (keyof typeof forms)[];
    for (const name of order) results[name].push(await start(forms[name].command, forms[name].env));
  }

  // The launcher form as a project installs it: the release's npm tarball and its production
  // dependencies (platform package left out), plus a Node.js of its own.
  const project = join(work, "project");
  mkdirSync(project);
  installTarballs(
    project,
    [join(values.release, `npm/pulumi-agent-alias-${version}.tgz`)],
    ["--omit=optional"],
  );
  const packageBytes = sizeOf(join(project, "node_modules/pulumi-agent-alias"));
  const modulesBytes = sizeOf(join(project, "node_modules"));
  const nodeBytes = statSync(join(REPO, "node_modules/node/bin/node")).size;

  const row = (name: keyof typeof forms) => {
    const ms = results[name].map((r) => r.ms);
    const rss = results[name].map((r) => r.rssKb);
    return `| ${name === "executable" ? `self-contained executable (Node.js ${NODE_VERSION} embedded)` : `Node.js launcher (bin/pulumi-resource-agent-alias, Node.js ${nodeVersion})`} | ${Math.round(median(ms))} | ${Math.round(p90(ms))} | ${Math.round(Math.min(...ms))} | ${Math.round(median(rss) / 1024)} |`;
  };
  const sizes = TARGETS.map((t) => {
    const archive = join(values.release, pluginArchive(PLUGIN.name, version, t.os, t.arch));
    return `| ${targetName(t)}${t.note ? " (x86_64, Rosetta 2)" : ""} | ${MB(statSync(archive).size)} |`;
  });
  const lines = [
    "## Plugin start-up and size: self-contained executable vs Node.js launcher",
    "",
    `Command: \`npm run release && node bench/plugin-startup.bench.ts --record\` (${ROUNDS} rounds alternating the two forms after one warm-up each; start-up is spawn until the port line the engine reads; resident memory is VmRSS then; ${nodeVersion} runs the bench, ${cpus().length} cores, load average (1 min) ${load.toFixed(2)} when the rounds started). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| form | start-up median ms | p90 ms | min ms | RSS MB |",
    "|---|---|---|---|---|",
    row("executable"),
    row("launcher"),
    "",
    "Size on disk, MB:",
    "",
    "| form | MB |",
    "|---|---|",
    `| self-contained executable, linux-amd64 (one file; the Node.js binaries from npm are not stripped) | ${MB(statSync(executable).size)} |`,
    `| Node.js launcher form: the package as installed | ${MB(packageBytes)} |`,
    `| Node.js launcher form: the package with its production dependencies (node_modules of a fresh install) | ${MB(modulesBytes)} |`,
    `| Node.js launcher form: the above plus a Node.js of its own (npm \`node\`, ${nodeVersion}) | ${MB(modulesBytes + nodeBytes)} |`,
    "",
    "Plugin archives (`pulumi-resource-agent-alias-v<version>-<os>-<arch>.tar.gz`, gzip), MB:",
    "",
    "| target | MB |",
    "|---|---|",
    ...sizes,
    "",
    "On a busy machine every start-up grows; compare the two forms from one run only.",
  ];
  console.log(lines.join("\n"));
  if (values.record) recordSection("plugin-startup", lines);
} finally {
  rmSync(work, { recursive: true, force: true });
}
