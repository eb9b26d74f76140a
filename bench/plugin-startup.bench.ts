/**
 * Each provider's two forms side by side: the self-contained executable (linux-amd64, from a
 * release folder) and the Node.js-launcher form of the npm package (bin/<name> running
 * dist/ on the project's Node.js), for the Pulumi plugin and the Terraform provider.
 * Start-up: from spawn until the process prints the line its host waits for (the plugin's
 * port; the Terraform provider's go-plugin handshake, started as tofu starts it with no
 * AutoMTLS), rounds alternating the forms after one warm-up each; resident memory then (VmRSS). Size: the
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
import { pluginArchive, terraformFiles } from "../release/artifacts.ts";
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
const PLUGIN = EXECUTABLES.find((e) => e.door === "pulumi")!;
const TERRAFORM = EXECUTABLES.find((e) => e.door === "terraform")!;
/** How tofu starts a provider (no PLUGIN_CLIENT_CERT: no AutoMTLS). */
const TF_ENV = {
  TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
  PLUGIN_PROTOCOL_VERSIONS: "6",
};
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

/** Milliseconds from spawn to the first line on stdout, and the process's resident memory then (kB). */
function start(command: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; rssKb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const args = command.includes("terraform-provider") ? [] : ["127.0.0.1:1"];
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "ignore"] });
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
  const tf = terraformFiles(TERRAFORM.name, version);
  execFileSync("unzip", ["-q", "-o", join(values.release, tf.zip("linux", "amd64")), "-d", work]);
  const nodeBin = join(REPO, "node_modules/.bin");
  const launcherPath = `${nodeBin}:/usr/bin:/bin`;
  const forms = {
    executable: { command: executable, env: {} },
    launcher: { command: join(REPO, "bin/pulumi-resource-agent-alias"), env: { PATH: launcherPath } },
    "tf executable": { command: join(work, tf.binary), env: { ...TF_ENV, TMPDIR: tmpdir() } },
    "tf launcher": {
      command: join(REPO, "bin/terraform-provider-agentalias"),
      env: { ...TF_ENV, TMPDIR: tmpdir(), PATH: launcherPath },
    },
  };
  type Form = keyof typeof forms;
  const nodeVersion = execFileSync(join(nodeBin, "node"), ["--version"], { encoding: "utf8" }).trim();
  const results = Object.fromEntries(Object.keys(forms).map((k) => [k, []])) as unknown as Record<
    Form,
    { ms: number; rssKb: number }[]
  >;
  for (const form of Object.values(forms)) await start(form.command, form.env);
  const load = loadavg()[0]!;
  const names = Object.keys(forms) as Form[];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
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

  const label: Record<Form, string> = {
    executable: `pulumi-resource-agent-alias: self-contained executable (Node.js ${NODE_VERSION} embedded)`,
    launcher: `pulumi-resource-agent-alias: Node.js launcher (Node.js ${nodeVersion})`,
    "tf executable": `terraform-provider-agentalias: self-contained executable (Node.js ${NODE_VERSION} embedded)`,
    "tf launcher": `terraform-provider-agentalias: Node.js launcher (Node.js ${nodeVersion})`,
  };
  const row = (name: Form) => {
    const ms = results[name].map((r) => r.ms);
    const rss = results[name].map((r) => r.rssKb);
    return `| ${label[name]} | ${Math.round(median(ms))} | ${Math.round(p90(ms))} | ${Math.round(Math.min(...ms))} | ${Math.round(median(rss) / 1024)} |`;
  };
  const sizes = TARGETS.map((t) => {
    const archive = join(values.release, pluginArchive(PLUGIN.name, version, t.os, t.arch));
    return `| ${targetName(t)}${t.note ? " (x86_64, Rosetta 2)" : ""} | ${MB(statSync(archive).size)} |`;
  });
  const lines = [
    "## Plugin start-up and size: self-contained executables vs Node.js launchers",
    "",
    `Command: \`npm run release && node bench/plugin-startup.bench.ts --record\` (${ROUNDS} rounds alternating the forms after one warm-up each; start-up is spawn until the line the host reads: the plugin's port, the Terraform provider's handshake (started as tofu starts it, no AutoMTLS); resident memory is VmRSS then; ${nodeVersion} runs the bench, ${cpus().length} cores, load average (1 min) ${load.toFixed(2)} when the rounds started). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| form | start-up median ms | p90 ms | min ms | RSS MB |",
    "|---|---|---|---|---|",
    ...names.map(row),
    "",
    "Size on disk, MB:",
    "",
    "| form | MB |",
    "|---|---|",
    `| self-contained executable, linux-amd64 (one file; the Node.js binaries from npm are not stripped) | ${MB(statSync(executable).size)} |`,
    `| the Terraform provider's executable, linux-amd64 | ${MB(statSync(join(work, tf.binary)).size)} |`,
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
    "Terraform provider zips (`terraform-provider-agentalias_<version>_<os>_<arch>.zip`), MB:",
    "",
    "| target | MB |",
    "|---|---|",
    ...TARGETS.map(
      (t) => `| ${targetName(t)} | ${MB(statSync(join(values.release, tf.zip(t.os, t.arch))).size)} |`,
    ),
    "",
    "On a busy machine every start-up grows; compare the two forms from one run only.",
  ];
  console.log(lines.join("\n"));
  if (values.record) recordSection("plugin-startup", lines);
} finally {
  rmSync(work, { recursive: true, force: true });
}
