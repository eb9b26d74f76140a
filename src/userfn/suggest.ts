/**
 * "Did you mean": the known names nearest a misspelt one, by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours each count one). A name of up to three
 * characters may be one edit away, a longer one two, and it must start with the same letter
 * (`lowr` is offered `log`; `lower`, a function of other languages, is offered nothing rather
 * than `power`); the nearest are offered, at most three.
 */

/** Edit distance with adjacent swaps (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidates nearest `name` within reach (see the header), nearest first then by name. */
export function nearestNames(name: string, candidates: Iterable<string>): string[] {
  const reach = name.length <= 3 ? 1 : 2;
  const first = name.slice(0, 1).toLowerCase();
  const scored = [...new Set(candidates)]
    .filter((c) => c !== name && c.slice(0, 1).toLowerCase() === first)
    .map((c) => ({ c, d: editDistance(name.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= reach);
  const best = Math.min(...scored.map((x) => x.d));
  return scored
    .filter((x) => x.d === best)
    .map((x) => x.c)
    .sort()
    .slice(0, 3);
}

/** `did you mean 'x'?`, `did you mean 'x' or 'y'?`, or "" when no known name is near. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const near = nearestNames(name, candidates).map((n) => `'${n}'`);
  if (near.length === 0) return "";
  const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(", ")} or ${near.at(-1)}`;
  return `did you mean ${list}?`;
}
