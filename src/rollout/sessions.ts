/**
 * The sessions of the alias under rollout, read a page at a time as they are created
 * (`SessionLog`), so that a gate can keep the traces of the alias's own sessions. The API lists
 * an alias's sessions (`GET /v2/agent_aliases/{k}/sessions`) in pages of 100 without saying in
 * which order; both orders are read incrementally:
 *
 * - oldest first (the emulator's): the log keeps the cursor of the last page it read and reads on
 *   from it, so each catch-up costs the new sessions' pages plus that one page again; the first
 *   catch-up reads the alias's whole list once, as this order gives no other way to its end;
 * - newest first: each catch-up reads from the head until a page holds a session already known,
 *   or (the first time) a session created before the `since` it is given.
 *
 * The order is told from `created_at`: the first and last sessions of the first page whose
 * instants differ; until then it is taken as oldest first. A session is kept by key once seen, whatever the API does
 * with it later (expiry, eviction, deletion), with what routing needs of it.
 */
import { instantOf } from "../wire/common.js";

/** The fields of a listed session that a rollout reads, as the API answers them. */
export interface ApiSession {
  readonly key: string;
  readonly name?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly agent_key: string;
  readonly alias_key?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | null | undefined;
  readonly created_at: string;
}

/** One page of the alias's sessions, from `pageKey` (undefined: the first page). */
export type SessionPageReader = (pageKey: string | undefined) => Promise<{
  sessions: readonly ApiSession[];
  next: string | undefined;
}>;

/** A session as a gate reads it. */
export interface LoggedSession {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly agentKey: string;
  readonly metadata: Record<string, unknown>;
  /** `created_at` in ms since the epoch, and as the API wrote it (the routing context's `currentDate`). */
  readonly createdAt: number;
  readonly createdAtText: string;
}

export type ListingOrder = "oldest_first" | "newest_first" | "unknown";

function logged(s: ApiSession): LoggedSession | undefined {
  const createdAt = instantOf(s.created_at);
  if (createdAt === undefined) return undefined;
  return {
    key: s.key,
    name: s.name ?? s.key,
    description: s.description ?? "",
    agentKey: s.agent_key,
    metadata: s.metadata ?? {},
    createdAt,
    createdAtText: s.created_at,
  };
}

function orderOf(page: readonly ApiSession[]): ListingOrder {
  const times = page.map((s) => instantOf(s.created_at)).filter((t): t is number => t !== undefined);
  const [first, last] = [times[0], times.at(-1)];
  if (first === undefined || last === undefined || first === last) return "unknown";
  return last > first ? "oldest_first" : "newest_first";
}

/** The alias's sessions read so far; `catchUp` reads what was created since the last call. */
export class SessionLog {
  private readonly byKey = new Map<string, LoggedSession>();
  private order: ListingOrder = "unknown";
  /** Oldest first: the page key of the last page read (undefined: the first page). */
  private cursor: string | undefined;
  private started = false;
  /** How far back the first newest-first read goes. */
  private since = Number.POSITIVE_INFINITY;
  /** Pages read, in all. */
  pages = 0;

  constructor(private readonly read: SessionPageReader) {}

  get listingOrder(): ListingOrder {
    return this.order;
  }

  /**
   * Reads every session created since the last catch-up (the first time: back to `since`, ms,
   * at least); throws when a page cannot be read.
   */
  async catchUp(since = Number.NEGATIVE_INFINITY): Promise<void> {
    this.since = Math.min(this.since, since);
    if (this.order === "newest_first") return this.fromHead();
    let pageKey = this.cursor;
    for (;;) {
      const page = await this.read(pageKey);
      this.pages++;
      if (this.order === "unknown") this.order = orderOf(page.sessions);
      if (this.order === "newest_first") {
        // A page told the order: read on from the head the other way (from this page's next
        // when this page was the head).
        this.keep(page.sessions);
        this.started = false;
        if (pageKey !== undefined) return this.fromHead();
        if (page.next === undefined || this.olderThanSince(page.sessions)) {
          this.started = true;
          return;
        }
        return this.fromHead(page.next);
      }
      this.keep(page.sessions);
      if (page.next === undefined) break;
      pageKey = page.next;
    }
    this.cursor = pageKey;
    this.started = true;
  }

  /** Newest first: from the head (or `from`) until a page holds a known session. */
  private async fromHead(from?: string): Promise<void> {
    let pageKey = from;
    for (;;) {
      const page = await this.read(pageKey);
      this.pages++;
      const known = page.sessions.some((s) => this.byKey.has(s.key));
      const older = this.olderThanSince(page.sessions);
      this.keep(page.sessions);
      if ((known && this.started) || older || page.next === undefined) break;
      pageKey = page.next;
    }
    this.started = true;
  }

  private olderThanSince(page: readonly ApiSession[]): boolean {
    return page.some((s) => (instantOf(s.created_at) ?? Number.POSITIVE_INFINITY) < this.since);
  }

  private keep(page: readonly ApiSession[]): void {
    for (const s of page) {
      if (this.byKey.has(s.key)) continue;
      const l = logged(s);
      if (l !== undefined) this.byKey.set(s.key, l);
    }
  }

  /** A session of the alias by key, if it was listed. */
  get(key: string): LoggedSession | undefined {
    return this.byKey.get(key);
  }

  get size(): number {
    return this.byKey.size;
  }
}
