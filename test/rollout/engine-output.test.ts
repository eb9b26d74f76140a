/**
 * What a rollout reads of a `pulumi up`: the event log of a real failed update (a 503 on the
 * policy PUT, captured from the CLI this project builds) and a locked stack's stderr.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { changesOf, describeLock, readUpOutput } from "../../src/rollout/engine-output.js";
import { REPO } from "../helpers/cli.js";

const failed503 = readFileSync(join(REPO, "test/fixtures/engine/up-503.events.jsonl"), "utf8");
const LOCKED = `error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.
  file:///tmp/exp/state/.pulumi/locks/organization/rollout-stage/exp/a96b5a01.json?no_tmp_dir=true: created by root@vm (pid 22607) at 2026-12-07T12:26:24Z
`;

describe("a pulumi up's outcome", () => {
  it("a failed update: the resource's own error, not the stack's 'update failed'", () => {
    const o = readUpOutput(failed503, "");
    expect(o.result).toBe("failed");
    expect(o.diagnostics).toEqual([
      "Alias subject: replacing the policy of alias 'support': 503 Service unavailable (injected fault) (after 6 attempts)",
    ]);
    expect(o.lock).toBeUndefined();
    expect(o.cancelled).toBe(false);
    expect(o.changes).toBe(0);
  });

  it("a locked stack: who holds it and since when, and how to clear it", () => {
    const o = readUpOutput("", LOCKED);
    expect(o.lock).toEqual({ by: "root@vm", pid: 22607, at: "2026-12-07T12:26:24Z" });
    expect(o.diagnostics).toEqual([]);
    expect(describeLock(o.lock!, "rehearsal")).toBe(
      "the stack 'rehearsal' is locked by an update of root@vm (pid 22607) since 2026-12-07T12:26:24Z; if no update is running any more (a process killed mid-update leaves its lock), clear it with `pulumi cancel --stack rehearsal --yes` and run again",
    );
  });

  it("an interrupted update, and one whose engine never ran (its reason is on stderr)", () => {
    const cancel = [
      '{"diagnosticEvent":{"prefix":"error: ","message":"update canceled\\n","severity":"error"}}',
      '{"summaryEvent":{"resourceChanges":{"same":2},"result":"failed"}}',
    ].join("\n");
    expect(readUpOutput(cancel, "")).toMatchObject({ cancelled: true, diagnostics: [], result: "failed" });
    const noEngine = readUpOutput("", "error: failed to decrypt config: incorrect passphrase\n");
    expect(noEngine).toMatchObject({
      result: undefined,
      diagnostics: ["failed to decrypt config: incorrect passphrase"],
    });
    expect(noEngine.changes).toBe(Number.POSITIVE_INFINITY);
    // A line cut short by a kill is skipped, the rest read.
    expect(readUpOutput(`${failed503}{"summaryEv`, "").diagnostics).toHaveLength(1);
  });

  it("counts changes by operation: same, read and refresh change nothing", () => {
    expect(changesOf({ same: 3, read: 1, refresh: 2 })).toBe(0);
    expect(changesOf({ same: 1, update: 1, create: 2 })).toBe(3);
    expect(changesOf(undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});
