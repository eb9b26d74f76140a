/**
 * MurmurHash3 x86_32 over the UTF-8 bytes of JavaScript strings, computed without
 * allocating: strings are encoded on the fly (lone surrogates as U+FFFD, like TextEncoder),
 * and a hash can resume from a saved prefix state so a constant prefix is hashed once.
 */

/** MurmurHash3 x86_32 block constants. */
export const C1 = 0xcc9e2d51;
export const C2 = 0x1b873593;

/** The streaming state: h1, pending tail bytes k, their count n, total byte length len. */
export interface MurmurState {
  h: number;
  k: number;
  n: number;
  len: number;
}

/** Scrambles one 4-byte block (or the tail) of the input: MurmurHash3's `k1` step. */
export function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/** Folds one scrambled block into the running hash: MurmurHash3's `h1` step. */
export function mixH(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixBlock(h: number, k: number): number {
  return mixH(h, mixK(k));
}

/**
 * MurmurHash3's final avalanche of `h ^ length`. Returns the hash as a signed 32-bit integer
 * (`>>> 0` gives the unsigned one): hot callers keep it signed, a small integer that crosses
 * function calls without being boxed.
 */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Folds the UTF-8 bytes of `s` into `st` (mutated in place). */
export function feedUtf8(st: MurmurState, s: string): void {
  let h = st.h;
  let k = st.k;
  let n = st.n;
  let len = st.len;
  const count = s.length;
  for (let i = 0; i < count; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      // ASCII fast path: one byte.
      len++;
      k |= c << (n * 8);
      if (++n === 4) {
        h = mixBlock(h, k);
        k = 0;
        n = 0;
      }
      continue;
    }
    // Encode one code point into `bytes` (little end first) and `nb` bytes.
    let bytes: number;
    let nb: number;
    if (c < 0x800) {
      bytes = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
      nb = 2;
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          i++;
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        } else {
          c = 0xfffd;
        }
      }
      if (c < 0x10000) {
        bytes = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        nb = 3;
      } else {
        bytes =
          0xf0 |
          (c >> 18) |
          ((0x80 | ((c >> 12) & 0x3f)) << 8) |
          ((0x80 | ((c >> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
        nb = 4;
      }
    }
    len += nb;
    for (let j = 0; j < nb; j++) {
      k |= ((bytes >>> (j * 8)) & 0xff) << (n * 8);
      if (++n === 4) {
        h = mixBlock(h, k);
        k = 0;
        n = 0;
      }
    }
  }
  st.h = h;
  st.k = k;
  st.n = n;
  st.len = len;
}

/** Finishes a hash: tail, length, avalanche. Returns an unsigned 32-bit integer. */
export function finish(st: MurmurState): number {
  return finalize(st.h, st.k, st.n, st.len);
}

/** The end of MurmurHash3: mixes the `n` pending tail bytes `k`, the length, and avalanches. */
function finalize(h: number, k: number, n: number, len: number): number {
  if (n > 0) h ^= mixK(k);
  return fmix(h ^ len) >>> 0;
}

export function initialState(seed = 0): MurmurState {
  return { h: seed | 0, k: 0, n: 0, len: 0 };
}

/** MurmurHash3 x86_32 of the UTF-8 encoding of `s`. */
export function murmur3(s: string, seed = 0): number {
  const st = initialState(seed);
  feedUtf8(st, s);
  return finish(st);
}

/** MurmurHash3 x86_32 of raw bytes (reference path for tests). */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const blocks = bytes.length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    h = mixBlock(h, bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24));
  }
  const tail = blocks * 4;
  let k = 0;
  const rem = bytes.length & 3;
  if (rem === 3) k ^= bytes[tail + 2]! << 16;
  if (rem >= 2) k ^= bytes[tail + 1]! << 8;
  if (rem >= 1) k ^= bytes[tail]!;
  return finish({ h, k, n: rem, len: bytes.length });
}

/** A reusable buffer for UTF-8 bytes; a longer string gets a buffer of its own. */
const SCRATCH = new Uint8Array(3 * 1024);
let current = SCRATCH;

/**
 * Encodes `s` as UTF-8 (lone surrogates as U+FFFD) into a shared buffer and returns the byte
 * count; read the bytes with `scratchBytes()` before the next call. Allocates nothing for
 * strings of up to 1,024 UTF-16 units.
 */
export function encodeScratch(s: string): number {
  const count = s.length;
  const b = count * 3 <= SCRATCH.length ? SCRATCH : new Uint8Array(count * 3);
  current = b;
  let p = 0;
  for (let i = 0; i < count; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[p++] = c;
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = s.charCodeAt(i + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          i++;
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (c >> 18);
          b[p++] = 0x80 | ((c >> 12) & 0x3f);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

export function scratchBytes(): Uint8Array {
  return current;
}

/**
 * Finishes a hash that resumes from a saved state (h, pending k, n pending bytes, len so
 * far) over `count` bytes of `b`. Returns an unsigned 32-bit integer; allocates nothing.
 */
export function resumeHash(
  h: number,
  k: number,
  n: number,
  len: number,
  b: Uint8Array,
  count: number,
): number {
  let i = 0;
  // Complete the pending block first.
  while (n !== 0 && i < count) {
    k |= b[i++]! << (n * 8);
    if (++n === 4) {
      h = mixBlock(h, k);
      k = 0;
      n = 0;
    }
  }
  // Whole blocks.
  const end = i + ((count - i) & ~3);
  for (; i < end; i += 4) {
    h = mixBlock(h, b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
  }
  // Tail.
  for (; i < count; i++) {
    k |= b[i]! << (n * 8);
    n++;
  }
  return finalize(h, k, n, len + count);
}
