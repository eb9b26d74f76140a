/**
 * Runs the shell commands of a documentation code block as a reader would type them, one at
 * a time in a project folder, with output kept for the failure message. A command ending in
 * `&` starts in the background (its own process group, stopped by `stopBackground`), and the
 * next command waits until the URL `ready` names answers, as a reader waits for the printed
 * URL. Backslash-continued lines are one command.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";

export interface ShellRun {
  command: string;
  code: number;
  output: string;
}

export interface ShellOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Text replacements made in each command before it runs (documented by the caller). */
  rewrite?: (command: string) => string;
  timeoutMs?: number;
}

/** The commands of a block: one per line, `\`-continued lines joined, blank lines and comment lines dropped. */
export function commandsOf(body: string): string[] {
  const out: string[] = [];
  let pending = "";
  for (const line of body.split("\n")) {
    if (pending === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    if (line.trimEnd().endsWith("\\")) {
      pending += `${line.trimEnd().slice(0, -1)} `;
      continue;
    }
    out.push(`${pending}${line}`.trim());
    pending = "";
  }
  return out;
}

/** The comment after a command (`pulumi preview   # what it shows`), or "". */
export function commentOf(command: string): string {
  const m = /\s#\s+(.*)$/.exec(command);
  return m ? m[1]!.trim() : "";
}

/** A reader's shell in one folder: commands run in order, background ones stopped at the end. */
export class Shell {
  private readonly background: ChildProcess[] = [];

  constructor(private readonly opts: ShellOptions) {}

  /** Runs one command; a background one (`… &`) returns once `ready` answers. */
  async run(command: string, ready?: string): Promise<ShellRun> {
    const opts = this.opts;
    const text = (opts.rewrite ?? ((c) => c))(command);
    const bg = /&\s*(#.*)?$/.test(text);
    if (bg) {
      const child = spawn("bash", ["-c", `exec ${text.replace(/&\s*(#.*)?$/, "")}`], {
        cwd: opts.cwd,
        env: opts.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout!.on("data", (d) => (output += d));
      child.stderr!.on("data", (d) => (output += d));
      this.background.push(child);
      const deadline = Date.now() + 60_000;
      while (ready !== undefined) {
        if (child.exitCode !== null) return { command: text, code: child.exitCode, output };
        try {
          if ((await fetch(ready)).ok) break;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) return { command: text, code: -1, output: `${output}\n(not ready)` };
        await new Promise((r) => setTimeout(r, 250));
      }
      return { command: text, code: 0, output };
    }
    return new Promise((resolve) => {
      execFile(
        "bash",
        ["-c", text],
        { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ command: text, code, output: `${stdout}${stderr}` });
        },
      );
    });
  }

  /** Runs a command and throws, with its output, unless it exits 0. */
  async ok(command: string, ready?: string): Promise<ShellRun> {
    const r = await this.run(command, ready);
    if (r.code !== 0) throw new Error(`\`${r.command}\` exited ${r.code} in ${this.opts.cwd}:\n${r.output}`);
    return r;
  }

  /** Stops the background commands this shell started (each one's whole process group). */
  async stop(): Promise<void> {
    for (const child of this.background.splice(0)) {
      if (child.exitCode !== null || child.pid === undefined) continue;
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        continue;
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
  }
}
