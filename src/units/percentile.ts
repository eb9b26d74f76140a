/**
 * The one percentile method of the package: nearest rank. Rollout gates judge a canary's p95
 * by it, and reports of traffic show it, so a figure means the same wherever it is printed.
 */

/**
 * The p-th percentile by nearest rank: the smallest value with at least p% of the values at or
 * below it (sorted ascending, the value at rank ceil(p * n / 100), from 1, at least 1). Always
 * one of the values, never interpolated; null for no values. `p` in (0, 100]. `values` is not
 * changed.
 */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // p * n / 100 rather than p / 100 * n: exact for integer p when the rank is whole (p = 7,
  // n = 100 gives rank 7, where 0.07 * 100 would give 8).
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
