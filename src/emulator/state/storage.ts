/**
 * How sessions leave memory: forgetting one (deleted, expired or evicted), expiry by
 * `tti_minutes` (the deadline heap), and eviction of the oldest past `maxSessions` (the
 * queue). Expired sessions are dropped only when a session record's own instant passes their
 * deadline, so what is stored depends on the records alone (see apply.ts).
 */
import type { SessionEntry, Tables } from "./tables.js";

/** When a session last active at `at` (ms) expires: never with `tti_minutes` 0. */
export function deadlineOf(at: number, ttiMinutes: number): number {
  return ttiMinutes > 0 ? at + ttiMinutes * 60_000 : Number.POSITIVE_INFINITY;
}

/** Activity at `at` (ms) on a stored session: its deadline moves to `at` + its `tti_minutes`. */
export function touch(t: Tables, entry: SessionEntry, at: number): void {
  entry.deadline = deadlineOf(at, entry.session.tti_minutes);
  if (entry.deadline !== Number.POSITIVE_INFINITY) t.expiries.push(entry.deadline, entry);
}

/** Drops the stored sessions whose deadline is before `at` (ms): they have expired by then. */
export function purgeExpired(t: Tables, at: number): void {
  let dropped = false;
  for (let d = t.expiries.popBefore(at); d !== undefined; d = t.expiries.popBefore(at)) {
    // A stale item: the session was dropped already, or has been active since.
    if (d.item.gone || d.item.deadline !== d.at) continue;
    forgetSession(t, d.item);
    dropped = true;
  }
  if (dropped) compactQueue(t);
}

/** Drops the oldest stored session (the limit is exceeded, so there is one) and returns it. */
export function evictOldest(t: Tables): SessionEntry {
  const q = t.queue;
  while (q[t.queueHead]!.gone) {
    q[t.queueHead++] = undefined;
    t.queueGone--;
  }
  const oldest = q[t.queueHead]!;
  q[t.queueHead++] = undefined;
  forgetSession(t, oldest);
  t.queueGone--; // forgetSession counted it, but the head has passed it
  t.totals.evicted++;
  compactQueue(t);
  return oldest;
}

/** Drops passed and gone entries once they outnumber the live ones (amortised O(1)). */
export function compactQueue(t: Tables): void {
  if (t.maxSessions === 0) return;
  if (t.queueHead + t.queueGone <= 1024 || t.queueHead + t.queueGone <= t.storedCount) return;
  t.queue = t.queue.slice(t.queueHead).filter((e) => e !== undefined && !e.gone);
  t.queueHead = 0;
  t.queueGone = 0;
}

export function forgetSession(t: Tables, entry: SessionEntry): void {
  entry.gone = true;
  // Nothing reads a forgotten session's events; the queue may hold the entry a while longer.
  entry.events.length = 0;
  t.storedCount--;
  if (t.maxSessions > 0) t.queueGone++;
  const s = entry.session;
  // Only if it is this entry: a newer session may hold the key by now.
  const agent = t.agents.get(s.agent_key);
  if (agent?.sessions.get(s.key) === entry) agent.sessions.delete(s.key);
  if (s.alias_key !== null) {
    const alias = t.aliases.get(s.alias_key);
    if (alias?.sessions.get(s.key) === entry) alias.sessions.delete(s.key);
  }
  const n = (t.sessionKeys.get(s.key) ?? 1) - 1;
  if (n <= 0) t.sessionKeys.delete(s.key);
  else t.sessionKeys.set(s.key, n);
}
