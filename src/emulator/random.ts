/**
 * Seeded randomness for the emulator's agents and traffic *(ours)*: small, fast, well-mixed
 * 32-bit generators, so that a given seed gives the same numbers on every run and platform.
 *
 * `drawsFor(seed, key, n)` is counter-based: the draws of the n-th invocation of an agent
 * depend on the seed, the agent's key and n only, not on what other agents did meanwhile nor
 * on the order concurrent requests arrived in.
 */

/** One 32-bit mixing step (a finaliser from "hash prospector"): every input bit moves every output bit. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s`, mixed. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/** A source of uniform numbers: `next()` in [0, 1), `u32()` a 32-bit unsigned integer. */
export interface Draws {
  next(): number;
  u32(): number;
}

/** sfc32 (Chris Doty-Humphrey's small fast counting generator) from four 32-bit words. */
function sfc32(a: number, b: number, c: number, d: number): Draws {
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  return { u32, next: () => u32() / 4294967296 };
}

/** A generator from one seed (any integer; only its low 32 bits and its sign matter). */
export function seeded(seed: number): Draws {
  const s = mix32(seed >>> 0);
  return sfc32(0x9e3779b9, s, mix32(s ^ 0x85ebca6b), mix32(s ^ 0xc2b2ae35));
}

/** The draws of the `n`-th event of `key` under `seed` (keyHash: `hash32(key)`, cached by the caller). */
export function drawsFor(seed: number, keyHash: number, n: number): Draws {
  const s = mix32(seed >>> 0);
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  return sfc32(s, mix32(keyHash ^ s), mix32(lo ^ 0x27d4eb2f ^ keyHash), mix32(hi ^ 0x165667b1 ^ s));
}

/** A standard normal deviate from two uniforms in [0, 1) (Box-Muller). */
export function standardNormal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
