/** Runs `agent-alias` in-process with captured output, or as a real child process. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/index.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `agent-alias` in-process; `stdin` is what a `-` file argument reads. */
export async function cli(argv: string[], opts: { tty?: boolean; stdin?: string } = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: (async function* () {
      if (opts.stdin !== undefined) yield opts.stdin;
    })(),
    cwd: REPO,
  });
  return { code, stdout, stderr };
}

/** The built bin under the current Node (npm test builds dist first); `stdin` is piped in. */
export function spawnCli(
  argv: string[],
  opts: { stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(REPO, "bin/agent-alias.js"), ...argv],
      { cwd: REPO },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(opts.stdin ?? "");
  });
}

/** Writes files into a fresh temp folder; returns the folder. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-test-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
