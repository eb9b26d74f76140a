/**
 * Weighted rendezvous hashing (ROUTING.md §6): for each option with weight > 0,
 * h = murmur3_x86_32(utf8(alias_key + "\n" + agent_key + "\n" + partition)), u = (h + 0.5) / 2^32,
 * score = weight / -ln(u); the highest score wins, the earlier option on an exact tie.
 * `pick` gives exactly that answer and allocates nothing; how it skips most of the hashing
 * and the logarithms is in docs/development.md ("Inside the resolver").
 */
import {
  C1,
  C2,
  encodeScratch,
  feedUtf8,
  fmix,
  initialState,
  mixH,
  mixK,
  resumeHash,
  scratchBytes,
} from "./murmur3.js";

export interface WeightedOption {
  readonly agent_key: string;
  readonly weight: number;
}

export interface CompiledSplit {
  /** Index (into the given options) of the chosen option, or -1 when every weight is 0. */
  pick(partition: string): number;
  readonly options: readonly WeightedOption[];
}

const TWO_POW_32 = 4294967296;

/** ln(1 + j/1024) for j = 0..1024. */
const LN_TABLE = new Float64Array(1025);
for (let j = 0; j <= 1024; j++) LN_TABLE[j] = Math.log1p(j / 1024);
/** 2^-e for e = 0..31. */
const INV_POW2 = new Float64Array(32);
for (let e = 0; e < 32; e++) INV_POW2[e] = 2 ** -e;
const LN2_32 = 32 * Math.LN2;

/**
 * -ln((h + 0.5) / 2^32) for 1 <= h < 2^32, with an absolute error below APPROX_ERROR:
 * h + 0.5 = m * 2^e with m in [1, 2), and ln(m) is interpolated linearly in a table with steps
 * of 1/1024. Linear interpolation of ln(1 + x) errs by at most max|f''| * step^2 / 8 =
 * 2^-20 / 8 ~ 1.2e-7, and the floating-point rounding of numbers below 23 adds ~1e-14.
 */
export function approxNegLn(h: number): number {
  const e = 31 - Math.clz32(h);
  const f = ((h + 0.5) * INV_POW2[e]! - 1) * 1024;
  const j = f | 0;
  const lo = LN_TABLE[j]!;
  return LN2_32 - (e * Math.LN2 + lo + (f - j) * (LN_TABLE[j + 1]! - lo));
}
/** @internal exported for the bound test. */
export const APPROX_ERROR = 1e-6;

/**
 * Whether option (h, w) scores strictly higher than the best so far (bh, bw), exactly as
 * comparing w / -ln(u) with bw / -ln(ub) in doubles would say.
 *
 * Monotone cases first: -ln(u) falls as h rises, so a higher hash with no lower weight always
 * wins (distinct u differ far beyond rounding) and a lower hash with no higher weight always
 * loses; equal hash and weight is a tie, kept by the earlier option. In the mixed cases,
 * score > best <=> w * L(bh) > bw * L(h) for the real L = -ln(u). With approximations off by
 * at most APPROX_ERROR each, the approximate difference is off by at most
 * (w + bw) * APPROX_ERROR, so beyond twice that its sign is the real one; and then the real
 * scores differ by a relative 4e-8 or more (L <= 22.9), far beyond the few ulps by which the
 * doubles `w / -Math.log(u)` can be off, so the exact formula would say the same. Closer
 * calls (and h = 0, outside the table) are computed exactly.
 */
function beats(hash: number, w: number, bestHash: number, bw: number): boolean {
  // Hashes arrive as signed 32-bit integers (unboxed across calls); compare them unsigned.
  const h = hash >>> 0;
  const bh = bestHash >>> 0;
  if ((h > bh && w >= bw) || (h === bh && w > bw)) return true;
  if (h <= bh && w <= bw) return false;
  if (h !== 0 && bh !== 0) {
    const d = w * approxNegLn(bh) - bw * approxNegLn(h);
    const margin = 2 * (w + bw) * APPROX_ERROR;
    if (d > margin) return true;
    if (d < -margin) return false;
  }
  return w / -Math.log((h + 0.5) / TWO_POW_32) > bw / -Math.log((bh + 0.5) / TWO_POW_32);
}

/** Scrambled blocks of the partition, shared by the options of one alignment. */
const BLOCKS = new Int32Array(256);
/** Partitions longer than this (UTF-16 units) take the scratch-buffer path. */
const MAX_DIRECT = BLOCKS.length * 4;

/** The saved prefix states of the options with weight > 0, in option order. */
interface Prefixes {
  readonly count: number;
  readonly h: Int32Array;
  readonly k: Int32Array;
  readonly n: Int32Array;
  readonly len: Int32Array;
  readonly weights: Float64Array;
  /** Index into the given options. */
  readonly indexes: Int32Array;
}

function prefixes(aliasKey: string, options: readonly WeightedOption[]): Prefixes {
  const live = options.map((o, index) => ({ o, index })).filter(({ o }) => o.weight > 0);
  const count = live.length;
  const p: Prefixes = {
    count,
    h: new Int32Array(count),
    k: new Int32Array(count),
    n: new Int32Array(count),
    len: new Int32Array(count),
    weights: new Float64Array(count),
    indexes: new Int32Array(count),
  };
  for (let i = 0; i < count; i++) {
    const { o, index } = live[i]!;
    const st = initialState(0);
    feedUtf8(st, `${aliasKey}\n${o.agent_key}\n`);
    p.h[i] = st.h;
    p.k[i] = st.k;
    p.n[i] = st.n;
    p.len[i] = st.len;
    p.weights[i] = o.weight;
    p.indexes[i] = index;
  }
  return p;
}

/** Hashes `s` for every option through the UTF-8 scratch buffer (any string). */
function hashViaBytes(p: Prefixes, s: string, out: Int32Array): void {
  const count = encodeScratch(s);
  const buf = scratchBytes();
  for (let i = 0; i < p.count; i++) out[i] = resumeHash(p.h[i]!, p.k[i]!, p.n[i]!, p.len[i]!, buf, count);
}

/**
 * Hashes an ASCII `s` for every option whose prefix leaves `pending` bytes, straight from the
 * string. Returns false (having written nothing that matters) when `s` is not ASCII or is
 * shorter than the bytes that complete the pending block.
 */
function hashAscii(p: Prefixes, pending: number, s: string, out: Int32Array): boolean {
  const length = s.length;
  const skip = (4 - pending) & 3;
  if (length < skip) return false;
  let seen = 0;
  let head = 0;
  for (let j = 0; j < skip; j++) {
    const c = s.charCodeAt(j);
    seen |= c;
    head |= c << (j * 8);
  }
  const blocks = (length - skip) >> 2;
  let at = skip;
  for (let b = 0; b < blocks; b++, at += 4) {
    const c0 = s.charCodeAt(at);
    const c1 = s.charCodeAt(at + 1);
    const c2 = s.charCodeAt(at + 2);
    const c3 = s.charCodeAt(at + 3);
    seen |= c0 | c1 | c2 | c3;
    BLOCKS[b] = mixK(c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  let tail = 0;
  for (let shift = 0; at < length; at++, shift += 8) {
    const c = s.charCodeAt(at);
    seen |= c;
    tail |= c << shift;
  }
  if (seen >= 0x80) return false;
  const tailK = (length - skip) & 3 ? mixK(tail) : 0;
  const headShift = pending * 8;
  for (let i = 0; i < p.count; i++) {
    if (p.n[i] !== pending) continue;
    let h = p.h[i]!;
    if (skip > 0) h = mixH(h, mixK(p.k[i]! | (head << headShift)));
    for (let b = 0; b < blocks; b++) h = mixH(h, BLOCKS[b]!);
    out[i] = fmix(h ^ tailK ^ (p.len[i]! + length));
  }
  return true;
}

export function compileSplit(aliasKey: string, options: readonly WeightedOption[]): CompiledSplit {
  const p = prefixes(aliasKey, options);
  if (p.count <= 1) {
    // One live option always wins; none never does.
    const only = p.count === 1 ? p.indexes[0]! : -1;
    return { options, pick: () => only };
  }
  if (p.count === 2 && p.n[0] === p.n[1]) return pairSplit(p, options);
  const alignments = Int32Array.from(new Set(p.n));
  const hashes = new Int32Array(p.count);
  const { count, weights, indexes } = p;
  return {
    options,
    pick(partition: string): number {
      let direct = partition.length <= MAX_DIRECT;
      for (let a = 0; direct && a < alignments.length; a++)
        direct = hashAscii(p, alignments[a]!, partition, hashes);
      if (!direct) hashViaBytes(p, partition, hashes);
      return pickByHashes(hashes, weights, indexes, count);
    },
  };
}

/**
 * The option that wins (ROUTING.md §6) among `count` live options, given each one's hash of
 * the partition: the highest score, the earlier option on an exact tie, by `beats`. Returns
 * `indexes[i]` of the winner, or -1 when `count` is 0. Every weighted pick goes through this
 * comparison: the resolver's splits here, and the diff's key sweep (key-sweep.ts).
 */
export function pickByHashes(
  hashes: Int32Array,
  weights: Float64Array,
  indexes: Int32Array,
  count: number,
): number {
  if (count === 0) return -1;
  let best = 0;
  let bestH = hashes[0]!;
  let bestW = weights[0]!;
  for (let i = 1; i < count; i++) {
    const h = hashes[i]!;
    const w = weights[i]!;
    if (beats(h, w, bestH, bestW)) {
      best = i;
      bestH = h;
      bestW = w;
    }
  }
  return indexes[best]!;
}

/**
 * The common canary shape: two live options whose prefixes align alike (agent keys of equal
 * length, such as support-v1 and support-v2). Both hashes run in one pass over the string.
 * MurmurHash3's steps are written out here rather than called (mixK, mixH, fmix): V8 inlines
 * calls only up to a bytecode budget per function, and a dozen tiny calls used it up before
 * `beats`, whose arguments and results then crossed a real call.
 */
function pairSplit(p: Prefixes, options: readonly WeightedOption[]): CompiledSplit {
  const pending = p.n[0]!;
  const skip = (4 - pending) & 3;
  const headShift = pending * 8;
  const [h1, h2] = p.h;
  const [k1, k2] = p.k;
  const [len1, len2] = p.len;
  const [w1, w2] = p.weights;
  const [i1, i2] = p.indexes;
  const hashes = new Int32Array(2);
  return {
    options,
    pick(s: string): number {
      const length = s.length;
      if (length >= skip && length <= MAX_DIRECT) {
        let seen = 0;
        let head = 0;
        for (let j = 0; j < skip; j++) {
          const c = s.charCodeAt(j);
          seen |= c;
          head |= c << (j * 8);
        }
        let a = h1!;
        let b = h2!;
        let k: number;
        if (skip > 0) {
          k = Math.imul(k1! | (head << headShift), C1);
          k = Math.imul((k << 15) | (k >>> 17), C2);
          a ^= k;
          a = (a << 13) | (a >>> 19);
          a = (Math.imul(a, 5) + 0xe6546b64) | 0;
          k = Math.imul(k2! | (head << headShift), C1);
          k = Math.imul((k << 15) | (k >>> 17), C2);
          b ^= k;
          b = (b << 13) | (b >>> 19);
          b = (Math.imul(b, 5) + 0xe6546b64) | 0;
        }
        let at = skip;
        const end = skip + ((length - skip) & ~3);
        for (; at < end; at += 4) {
          const c0 = s.charCodeAt(at);
          const c1 = s.charCodeAt(at + 1);
          const c2 = s.charCodeAt(at + 2);
          const c3 = s.charCodeAt(at + 3);
          seen |= c0 | c1 | c2 | c3;
          k = Math.imul(c0 | (c1 << 8) | (c2 << 16) | (c3 << 24), C1);
          k = Math.imul((k << 15) | (k >>> 17), C2);
          a ^= k;
          a = (a << 13) | (a >>> 19);
          a = (Math.imul(a, 5) + 0xe6546b64) | 0;
          b ^= k;
          b = (b << 13) | (b >>> 19);
          b = (Math.imul(b, 5) + 0xe6546b64) | 0;
        }
        let tail = 0;
        for (let shift = 0; at < length; at++, shift += 8) {
          const c = s.charCodeAt(at);
          seen |= c;
          tail |= c << shift;
        }
        if (seen < 0x80) {
          k = Math.imul(tail, C1);
          k = Math.imul((k << 15) | (k >>> 17), C2); // 0 when there is no tail
          a ^= k ^ (len1! + length);
          b ^= k ^ (len2! + length);
          a ^= a >>> 16;
          a = Math.imul(a, 0x85ebca6b);
          a ^= a >>> 13;
          a = Math.imul(a, 0xc2b2ae35);
          b ^= b >>> 16;
          b = Math.imul(b, 0x85ebca6b);
          b ^= b >>> 13;
          b = Math.imul(b, 0xc2b2ae35);
          return beats(b ^ (b >>> 16), w2!, a ^ (a >>> 16), w1!) ? i2! : i1!;
        }
      }
      hashViaBytes(p, s, hashes);
      return beats(hashes[1]!, w2!, hashes[0]!, w1!) ? i2! : i1!;
    },
  };
}

/** One-shot weighted pick; returns the chosen agent key, or null when every weight is 0. */
export function pickWeighted(
  aliasKey: string,
  options: readonly WeightedOption[],
  partition: string,
): string | null {
  const i = compileSplit(aliasKey, options).pick(partition);
  return i < 0 ? null : options[i]!.agent_key;
}
