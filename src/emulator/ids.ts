/**
 * Generated identifiers *(formats ours)*: session keys `ase_<slug>_<4 hex>` (API.md),
 * agent keys `agt_<slug>_<4 hex>`, event ids `aev_<hex>` and request ids `req_<hex>`.
 */
import { randomFillSync } from "node:crypto";
import { EMULATOR_LIMITS } from "./limits.js";

const pool = new Uint8Array(4096);
let poolAt = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `n` random hex characters (n even), from a refilled pool of random bytes. */
export function randomHex(n: number): string {
  const bytes = n >> 1;
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  let s = "";
  for (let i = 0; i < bytes; i++) s += HEX[pool[poolAt++]!]!;
  return s;
}

/** Lower-case ASCII letters and digits, other runs folded to `_`, trimmed, at most `max` long. */
export function slug(name: string, max: number): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, max)
    .replace(/^_+|_+$/g, "");
}

// Clients tend to reuse a few session names; slug each once (bounded, so any input is fine).
const slugCache = new Map<string, string>();

function cachedSlug(name: string, max: number): string {
  const id = `${max}:${name}`;
  let s = slugCache.get(id);
  if (s === undefined) {
    if (slugCache.size >= 1024) slugCache.clear();
    s = slug(name, max);
    slugCache.set(id, s);
  }
  return s;
}

/**
 * A key `prefix_slug_hex` of at most 50 characters for which `taken` is false. Uses 4 hex
 * characters while fewer than `inUse / 4` of those 65,536 values could be taken, and more when
 * the store is crowded, so that generation stays a try or two however many keys exist.
 */
export function generateKey(
  prefix: string,
  name: string | undefined,
  fallback: string,
  taken: (key: string) => boolean,
  inUse = 0,
): string {
  let hex = EMULATOR_LIMITS.generatedKeyHex;
  while (16 ** hex < 4 * inUse && hex < 16) hex += 2;
  for (; ; hex += 2) {
    const room = 50 - prefix.length - 2 - hex;
    const base = cachedSlug(name ?? "", room) || fallback;
    for (let attempt = 0; attempt < 8; attempt++) {
      const key = `${prefix}_${base}_${randomHex(hex)}`;
      if (!taken(key)) return key;
    }
  }
}

const requestPrefix = randomHex(8);
let requestCounter = 0;

/** Unique within a process and unlikely to repeat across runs. */
export function requestId(): string {
  requestCounter = (requestCounter + 1) >>> 0;
  return `req_${requestPrefix}${requestCounter.toString(16).padStart(8, "0")}`;
}

export function eventId(): string {
  return `aev_${randomHex(16)}`;
}
