/**
 * A min-heap of deadlines (milliseconds since 1970), for sessions' `tti_minutes`. Items are
 * never updated in place: a new deadline is pushed, and the owner skips stale items (whose
 * deadline is no longer the item's current one) as they come out.
 */
export class Deadlines<T> {
  private readonly heap: { at: number; item: T }[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const h = this.heap;
    h.push({ at, item });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= h[i]!.at) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest item whose deadline is before `now`, if any. */
  popBefore(now: number): { at: number; item: T } | undefined {
    const h = this.heap;
    if (h.length === 0 || h[0]!.at >= now) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
