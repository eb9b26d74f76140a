/**
 * Member reads `o[name]` where the name is known only once a policy is compiled: each name
 * gets, on first use, a load function of its own that only ever sees that name, so V8 keeps
 * each read monomorphic; past LOADS.length names the rest share the last load. Why, and what
 * it measured: docs/development.md ("Inside the resolver").
 */
export type MemberLoad = (o: Record<string, unknown>, name: string) => unknown;

// Eight copies of the same function on purpose: each is a separate load with its own cache.
const LOADS: readonly MemberLoad[] = [
  (o, name) => o[name],
  (o, name) => o[name],
  (o, name) => o[name],
  (o, name) => o[name],
  (o, name) => o[name],
  (o, name) => o[name],
  (o, name) => o[name],
  (o, name) => o[name],
];

/** Process-wide: member name -> its load, assigned on first use (first come, first served). */
const assigned = new Map<string, MemberLoad>();

/** The load to read member `name` with (`null`: no member; any load will do). */
export function memberLoad(name: string | null): MemberLoad {
  if (name === null) return LOADS[0]!;
  let load = assigned.get(name);
  if (load === undefined) {
    load = LOADS[Math.min(assigned.size, LOADS.length - 1)]!;
    assigned.set(name, load);
  }
  return load;
}
