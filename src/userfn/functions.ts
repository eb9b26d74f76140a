/**
 * The functions of UserFn (ROUTING.md §3) and their arities. Any other name is a
 * validation error. Implementations live in the compiler, which specialises each call.
 */

export interface Arity {
  readonly min: number;
  readonly max: number;
}

const one = { min: 1, max: 1 };
const two = { min: 2, max: 2 };

export const FUNCTIONS: ReadonlyMap<string, Arity> = new Map<string, Arity>([
  ["get", { min: 1, max: 2 }],
  ["now", { min: 0, max: 0 }],
  ["iso_datetime_parse", one],
  ["to_unix_timestamp", one],
  ["seconds", one],
  ["minutes", one],
  ["hours", one],
  ["abs", one],
  ["power", two],
  ["min", two],
  ["max", two],
  ["sqrt", one],
  ["trunc", one],
  ["sign", one],
  ["radians", one],
  ["degrees", one],
  ["log", two],
  ["ln", one],
  ["log10", one],
  ["sin", one],
  ["cos", one],
  ["tan", one],
  ["sind", one],
  ["cosd", one],
  ["tand", one],
]);

export function describeArity(a: Arity): string {
  const plural = (n: number) => (n === 1 ? "argument" : "arguments");
  if (a.min === a.max) return a.min === 0 ? "no arguments" : `${a.min} ${plural(a.min)}`;
  return `${a.min} or ${a.max} ${plural(a.max)}`;
}
