/**
 * `agent-alias rollout status | pause | resume | promote | abort --stack S`: see a rollout that
 * runs anywhere, and steer it, through the stack's tags (src/rollout/status.ts, steering.ts):
 * what every machine that can run `pulumi up` on the stack can read and write, never a file on
 * the runner.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { ParseArgsOptionsConfig } from "node:util";
import { SETTING_NAMES } from "../client/settings.js";
import {
  decodeRecord,
  holderState,
  pidAlive,
  ROLLOUT_TAG,
  thisHolder,
  VERDICT_TAG,
} from "../rollout/record.js";
import { automationStack, type RolloutStack } from "../rollout/stack.js";
import { decodeStatus, STATUS_TAG } from "../rollout/status.js";
import { type StatusView, statusLines } from "../rollout/status-view.js";
import {
  COMMAND_TAG,
  decodeCommand,
  describeCommand,
  encodeCommand,
  STEER_VERBS,
  type SteerVerb,
} from "../rollout/steering.js";
import {
  durationFlag,
  outputFormat,
  parseFlags,
  portFlag,
  settingFlag,
  usageError,
  writeHelp,
} from "./args.js";
import { once, startDashboard } from "./dashboard.js";
import { type CliIO, EXIT, writeJson } from "./io.js";
import { stackClient } from "./stack-client.js";

export const ROLLOUT_VERBS = ["status", "dashboard", ...STEER_VERBS] as const;
export type RolloutVerb = (typeof ROLLOUT_VERBS)[number];

export const ROLLOUT_STEER_HELP = `Usage: agent-alias rollout status --stack S [--cwd DIR] [--watch [--every 2s]]
                           [--json] [--format human|json]
       agent-alias rollout dashboard --stack S [--cwd DIR] [--port N] [--every 2s]
                           [--config-file FILE] [--api-url-config KEY ...]
       agent-alias rollout pause|resume|promote|abort --stack S [--cwd DIR] [--reason TEXT]
                           [--force] [--wait [--timeout 5m]] [--policy FILE ...]
                           [--json] [--format human|json]

See and steer the rollout that runs on stack S of the project in --cwd (default: the working
directory), from any machine that can run \`pulumi up\` on the stack: both go through the
stack's tags (agent-alias:rollout, agent-alias:rollout-status, agent-alias:rollout-command),
which the stack's backend keeps, never a file on the machine that runs the rollout.

status     the stage and its weights, since when, the hold left, the checks so far and the
           last verdict, each agent's traces, error rate and p95, each gate's figure against
           its bound, the last command and whether it was acted on, and the next step.
           --watch redraws it every --every (default 2s) until interrupted.
dashboard  serves a page on loopback (http://127.0.0.1:PORT/, printed first; --port 0, the
           default, picks a free one) with the status and a chart per check of each agent's
           error rate and p95 with the gates' bounds, read every --every, until interrupted.
           When the stack's API (its provider config, or the keys --api-url-config and the
           like name, in --config-file when given, as the rollout reads it) is the emulator,
           its statistics too.
pause      no stage change until resume (a failing gate still aborts).
resume     goes on after a pause.
promote    skips the rest of the current stage's hold: the stage passes at the next check
           whose gates pass (min_traces included); --force: at the next check that does not fail.
abort      reverts as a failed gate does (the reason in the verdict); the rollout exits 1.
The running rollout acts on a command at its next check, and records who sent it, when and
why (--reason) in its report and events. --wait waits until it has (at most --timeout).
With no rollout running, abort and promote given --policy FILE (and the rollout's other
flags: --config-key, --config-file, --alias, --api-url-config, ...) act directly: abort
deploys the file's revert target (its first stage that sends the canary nothing, else its
first stage), promote the stage after the one the alias serves; nothing is watched, and the
output is the rollout's report.
Exit 0; 1 when no rollout is running on the stack (steering), or --wait timed out; 2 for
bad arguments. --json prints {record, running, status, command, verdict} (status) or
{sent, command, acted} (steering).`;

/** The flags passed on to `agent-alias rollout` when abort or promote act directly. */
const PASSED = ["policy", "config-key", "config-file", "alias", ...SETTING_NAMES.map(settingFlag)] as const;

const FLAGS = {
  stack: { type: "string" },
  cwd: { type: "string" },
  ...Object.fromEntries(PASSED.map((f) => [f, { type: "string" }])),
  watch: { type: "boolean" },
  every: { type: "string" },
  reason: { type: "string" },
  force: { type: "boolean" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
  port: { type: "string" },
  json: { type: "boolean" },
  format: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

/** Test seams: the stack and the clock. */
export interface SteerSeams {
  stack?: RolloutStack;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Who sends commands (default this process's user@host). */
  by?: string;
  /** Runs `agent-alias rollout ARGS` deploying one stage (abort or promote with no rollout running). */
  direct?: (args: string[], what: "abort" | "promote") => Promise<number>;
}

const STALE_MS = 300_000;
/** How long a command is left before it is read back. */
const SETTLE_MS = 1500;

/** What the stack's tags say, now. */
async function readView(stack: RolloutStack, now: number): Promise<StatusView> {
  return tagsView(await stack.tags(), now);
}

/** What these tags say about the stack's rollout, now. */
export function tagsView(tags: Readonly<Record<string, string>>, now: number): StatusView {
  const record = decodeRecord(tags[ROLLOUT_TAG]);
  const holder = holderState(record, { now, host: hostname(), pidAlive, staleMs: STALE_MS });
  return {
    record,
    holder,
    status: decodeStatus(tags[STATUS_TAG]),
    command: decodeCommand(tags[COMMAND_TAG]),
    verdict: tags[VERDICT_TAG],
  };
}

export async function rolloutSteerCommand(
  verb: RolloutVerb,
  argv: string[],
  io: CliIO,
  seams: SteerSeams = {},
): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) return writeHelp(io, ROLLOUT_STEER_HELP);
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
  if (values.stack === undefined) throw usageError(`${verb}: --stack is required`);
  if (verb === "status" && (values.reason !== undefined || values.force || values.wait))
    throw usageError("status takes no --reason, --force or --wait");
  if (verb !== "status" && values.watch) throw usageError(`${verb} takes no --watch`);
  if (verb !== "dashboard" && values.port !== undefined) throw usageError(`${verb} takes no --port`);
  if (verb !== "status" && verb !== "dashboard" && values.every !== undefined)
    throw usageError(`${verb} takes no --every`);
  if (values.force && verb !== "promote") throw usageError("--force goes with promote");
  const flags = values as Record<string, string | boolean | undefined>;
  // abort and promote pass every rollout flag on; the dashboard reads the API as the rollout does.
  const takes = (f: (typeof PASSED)[number]) =>
    verb === "abort" ||
    verb === "promote" ||
    (verb === "dashboard" && (f === "config-file" || (f.endsWith("-config") && f !== "config-key")));
  const passed = PASSED.find((f) => flags[f] !== undefined && !takes(f));
  if (passed !== undefined) throw usageError(`${verb} takes no --${passed}`);
  const format = outputFormat(values, ["human", "json"]);
  // Every flag is checked before the stack is opened (which takes a second or two).
  const everyMs = durationFlag("every", values.every, 2000);
  const timeoutMs = durationFlag("timeout", values.timeout, 300_000);
  const port = portFlag(values.port);
  const clock = seams.clock ?? Date.now;
  const sleep = seams.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const cwd = io.cwd ?? process.cwd();
  try {
    const stack =
      seams.stack ??
      (await automationStack({
        stack: values.stack,
        workDir: resolve(cwd, values.cwd ?? "."),
        ...(typeof flags["config-file"] === "string"
          ? { configFile: resolve(cwd, flags["config-file"]) }
          : {}),
      }));
    const o = { format, everyMs, timeoutMs, port, clock, sleep };
    return await steer(verb, { ...values, stack: values.stack }, o, stack, io, seams);
  } catch (e) {
    if ((e as { code?: unknown }).code !== "stack_failed") throw e;
    io.stderr.write(`agent-alias rollout ${verb}: ${(e as Error).message}\n`);
    return EXIT.failure;
  }
}

/** The flags, checked. */
type SteerFlags = ReturnType<typeof parseFlags<typeof FLAGS>>["values"] & { stack: string };

/** The flags' values that are not strings as given. */
interface SteerOptions {
  format: string;
  everyMs: number;
  timeoutMs: number;
  port: number;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** The verb, on the stack opened. */
async function steer(
  verb: RolloutVerb,
  values: SteerFlags,
  o: SteerOptions,
  stack: RolloutStack,
  io: CliIO,
  seams: SteerSeams,
): Promise<number> {
  const { format, clock, sleep } = o;
  if (verb === "dashboard") return dashboardCommand(stack, values, o, io);
  if (verb === "status") {
    for (;;) {
      const view = await readView(stack, clock());
      if (format === "json") writeJson(io, { ...view, running: view.holder === "live" });
      else {
        if (values.watch && io.stdout.isTTY) io.stdout.write("\x1b[H\x1b[2J");
        io.stdout.write(`${statusLines(view, values.stack, clock()).join("\n")}\n`);
      }
      if (!values.watch || (view.record?.phase ?? "ended") === "ended") return EXIT.ok;
      await sleep(o.everyMs);
    }
  }
  const flags = values as Record<string, string | boolean | undefined>;
  const direct =
    (verb === "abort" || verb === "promote") && typeof flags.policy === "string" && seams.direct
      ? () => {
          const args = ["--stack", values.stack, ...(values.cwd ? ["--cwd", values.cwd] : [])];
          for (const f of PASSED) if (typeof flags[f] === "string") args.push(`--${f}`, flags[f] as string);
          if (format === "json") args.push("--json");
          return seams.direct!(args, verb);
        }
      : undefined;
  return steerCommand(verb, values, o, stack, io, { by: seams.by, direct });
}

/** Serves the dashboard until SIGINT or SIGTERM; prints its URL first. */
async function dashboardCommand(
  stack: RolloutStack,
  values: SteerFlags,
  o: SteerOptions,
  io: CliIO,
): Promise<number> {
  const { clock } = o;
  // The API's statistics are an extra: a stack whose API settings cannot be read still has its page.
  const client = await stackClient(stack, values, process.env).catch((e: Error) => {
    io.stderr.write(`agent-alias rollout dashboard: the API's statistics are left out: ${e.message}\n`);
    return undefined;
  });
  const dashboard = await startDashboard({
    source: () => readView(stack, clock()),
    stack: values.stack,
    everyMs: o.everyMs,
    port: o.port,
    clock,
    ...(client ? { emulator: () => client.emulatorStats() } : {}),
    onEmulatorError: once((e) =>
      io.stderr.write(`agent-alias rollout dashboard: cannot read the API's statistics: ${e.message}\n`),
    ),
  });
  io.stdout.write(`${dashboard.url}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await dashboard.close();
  return EXIT.ok;
}

/** Writes the command for the running rollout; with --wait, waits for it to be acted on. */
async function steerCommand(
  verb: SteerVerb,
  values: SteerFlags,
  options: SteerOptions,
  stack: RolloutStack,
  io: CliIO,
  how: { by: string | undefined; direct: (() => Promise<number>) | undefined },
): Promise<number> {
  const o = { ...options, ...how };
  const view = await readView(stack, o.clock());
  const r = view.record;
  if (r === undefined || view.holder !== "live") {
    const last =
      r === undefined
        ? "no rollout has run on it"
        : r.phase === "ended"
          ? `the last one ended: ${r.outcome ?? "?"} at ${r.stage}`
          : `its runner is gone (${r.by}, ${r.phase} at ${r.stage})`;
    if (o.direct !== undefined) {
      io.stderr.write(
        `agent-alias rollout ${verb}: no rollout is running on stack ${values.stack} (${last}): acting directly\n`,
      );
      return o.direct();
    }
    const hint =
      verb === "abort" || verb === "promote"
        ? `; give --policy FILE (the rollout's policy file) to ${verb === "abort" ? "revert to its first stage" : "deploy its next stage"} directly`
        : "";
    io.stderr.write(
      `agent-alias rollout ${verb}: no rollout is running on stack ${values.stack}: ${last}${hint}\n`,
    );
    return EXIT.failure;
  }
  const command = {
    verb,
    by: o.by ?? thisHolder().by,
    at: o.clock(),
    reason: values.reason,
    force: values.force === true,
    run: r.run,
  };
  // Tags have no compare-and-set: a write of the rollout's own tags at the same moment may
  // carry the old set back, so the command is read back and written again until it stays.
  const text = encodeCommand(command);
  for (let attempt = 1; ; attempt++) {
    await stack.setTag(COMMAND_TAG, text);
    await o.sleep(SETTLE_MS);
    if ((await stack.tags())[COMMAND_TAG] === text) break;
    if (attempt === 5) {
      io.stderr.write(
        `agent-alias rollout ${verb}: the command did not stay in the stack's tags after 5 writes\n`,
      );
      return EXIT.failure;
    }
  }
  const sent = `sent ${describeCommand(command)} to the rollout on stack ${values.stack} (${r.by}, at ${r.stage})`;
  let acted = false;
  if (values.wait) {
    const until = o.clock() + o.timeoutMs;
    while (!acted && o.clock() < until) {
      await o.sleep(1000);
      const s = (await readView(stack, o.clock())).status;
      acted = s !== undefined && s.run === r.run && s.acked !== null && s.acked >= command.at;
    }
  }
  if (o.format === "json") writeJson(io, { sent: true, command, acted });
  else
    io.stdout.write(
      `${sent}: ${acted ? "acted on" : values.wait ? "not acted on yet (timed out)" : "it acts on it at its next check"}\n`,
    );
  return values.wait && !acted ? EXIT.failure : EXIT.ok;
}
