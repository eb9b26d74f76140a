/**
 * The live view of a running rollout on a terminal: its progress lines scroll as before, and
 * below them a panel (the last status, status-view.ts) is redrawn after each check and each
 * line. Off a terminal there is no panel: the progress lines are the view (a CI log).
 */
import type { RolloutStatusSnapshot } from "../rollout/status.js";
import { snapshotLines } from "../rollout/status-view.js";

export interface LiveView {
  line(text: string): void;
  status(s: RolloutStatusSnapshot): void;
  /** Leaves the panel on screen as it last was. */
  close(): void;
}

export function liveView(
  out: { write(text: string): unknown; isTTY?: boolean },
  clock: () => number = Date.now,
): LiveView {
  if (!out.isTTY) return { line: (text) => void out.write(`${text}\n`), status: () => {}, close: () => {} };
  let panel: string[] = [];
  let last: RolloutStatusSnapshot | undefined;
  // Moves up over the panel and clears to the end of the screen.
  const erase = () => (panel.length > 0 ? `\x1b[${panel.length}A\x1b[J` : "");
  const draw = () => {
    panel = last === undefined ? [] : ["─".repeat(40), ...snapshotLines(last, clock())];
    return panel.map((l) => `${l}\n`).join("");
  };
  return {
    line(text) {
      out.write(`${erase()}${text}\n${draw()}`);
    },
    status(s) {
      const before = erase();
      last = s;
      out.write(`${before}${draw()}`);
    },
    close() {
      panel = [];
    },
  };
}
