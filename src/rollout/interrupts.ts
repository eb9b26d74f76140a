/**
 * Interrupts of a running rollout (SIGINT, SIGTERM): the command calls `interrupt()` on each;
 * the rollout reacts at once (a pause ends, a running `up` is asked to stop) and ends cleanly.
 */
export class Interrupts {
  private count_ = 0;
  private readonly listeners = new Set<(count: number) => void>();
  private wake: (() => void) | undefined;
  private readonly fired: Promise<void>;

  constructor() {
    this.fired = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Interrupts so far. */
  get count(): number {
    return this.count_;
  }

  interrupt(): void {
    this.count_++;
    this.wake?.();
    for (const l of this.listeners) l(this.count_);
  }

  /** Calls `listener` on each interrupt from now on; returns what removes it. */
  on(listener: (count: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sleeps `ms` with `sleep`; resolves false at once (or after) an interrupt, true otherwise. */
  async pause(ms: number, sleep: (ms: number) => Promise<void>): Promise<boolean> {
    if (this.count_ > 0) return false;
    await Promise.race([sleep(ms), this.fired]);
    return this.count_ === 0;
  }

  /** A sleep whose timer an interrupt clears, so an interrupted process does not wait it out. */
  sleeper(): (ms: number) => Promise<void> {
    return (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        const off = this.on(done);
        function done() {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
  }
}
