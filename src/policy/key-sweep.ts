/**
 * The diff's key sweep: N synthetic partition keys (`syntheticKey(0..N-1)`, so figures are
 * reproducible) split by the old and the new target of a rule, counted by (old agent, new
 * agent). The picks are split.ts's (`pickByHashes`, one score comparison); what is particular
 * here is the hashing, which writes no strings: the keys' digits are counted in a byte buffer
 * and each (salt, agent) prefix state is kept, so a key costs a few bytes of murmur3 per agent.
 */

import type { AgentShare, RuleSide, SplitDiff, Transition } from "./diff-types.js";
import { feedUtf8, initialState, resumeHash } from "./murmur3.js";
import { optionsOf } from "./rule-pairs.js";
import { syntheticKey } from "./samples.js";
import { roundShare } from "./shares.js";
import { compileSplit, pickByHashes, type WeightedOption } from "./split.js";

export interface Side {
  /** Agents in option order (a single target: one agent). */
  agents: readonly string[];
  /** The target's options; null for a single target (always agent 0). */
  options: readonly { agent_key: string; weight: number }[] | null;
  salt: string;
}

export function compileSide(s: RuleSide, salt: string): Side {
  const options = optionsOf(s);
  return { agents: options.map((o) => o.agent_key), options: s.target === "weighted" ? options : null, salt };
}

/** Counts by (old option, new option): `counts[i * newAgents + j]`; a missing side has one row/column. */
export interface Counts {
  oldAgents: readonly string[];
  newAgents: readonly string[];
  cells: Float64Array;
}

/**
 * Splits `keys` synthetic partition keys (`syntheticKey(0..keys-1)`) by both sides and counts
 * them by (old agent, new agent). Per key: two picks, allocating nothing (see
 * `compileSyntheticSplit`). With `repartitioned` the new side hashes the partition of another
 * synthetic user (`syntheticKey(keys + k)`), modelling a session whose partition value
 * changed: its new agent is independent of its old one.
 */
export function sweep(a: Side | null, b: Side | null, keys: number, repartitioned: boolean): Counts {
  const oldAgents = a?.agents ?? [""];
  const newAgents = b?.agents ?? [""];
  const width = newAgents.length;
  const cells = new Float64Array(oldAgents.length * width);
  const oa = a?.options ?? null;
  const ob = b?.options ?? null;
  if (oa === null && ob === null) {
    cells[0] = keys;
    return { oldAgents, newAgents, cells };
  }
  if (!SYNTHETIC_FAST) {
    // syntheticKey is not of the prefix + decimal shape: hash the key strings.
    const sa = oa === null ? null : compileSplit(a!.salt, oa);
    const sb = ob === null ? null : compileSplit(b!.salt, ob);
    const offset = repartitioned ? keys : 0;
    for (let k = 0; k < keys; k++) {
      const i = sa === null ? 0 : sa.pick(syntheticKey(k));
      const j = sb === null ? 0 : sb.pick(syntheticKey(offset + k));
      cells[i * width + j]!++;
    }
    return { oldAgents, newAgents, cells };
  }
  // One hash and one logarithm per distinct (salt, agent) per key: when both sides hash the
  // same partition, an agent present on both sides is hashed once and only the weights differ.
  const ha = new SyntheticHasher();
  const hb = repartitioned ? new SyntheticHasher() : ha;
  const pa = oa === null ? null : ha.add(a!.salt, oa);
  const pb = ob === null ? null : hb.add(b!.salt, ob);
  const da = new Digits(0);
  const db = repartitioned ? new Digits(keys) : da;
  for (let k = 0; k < keys; k++) {
    ha.hash(da.bytes, da.length);
    if (hb !== ha) hb.hash(db.bytes, db.length);
    const i = pa === null ? 0 : ha.pick(pa);
    const j = pb === null ? 0 : hb.pick(pb);
    cells[i * width + j]!++;
    da.next();
    if (db !== da) db.next();
  }
  return { oldAgents, newAgents, cells };
}

/** `syntheticKey(i)` is this prefix followed by `i` in decimal; checked below, else the slow path. */
const SYNTHETIC_PREFIX = syntheticKey(0).slice(0, -1);
const SYNTHETIC_FAST = [0, 9, 10, 99_999, 9_876_543].every(
  (i) => syntheticKey(i) === `${SYNTHETIC_PREFIX}${i}`,
);

/**
 * A non-negative integer as ASCII decimal digits in a byte buffer, incremented in place so
 * the sweep writes no strings. Exported for tests.
 */
export class Digits {
  readonly bytes = new Uint8Array(24);
  length = 0;
  constructor(start: number) {
    const s = String(start);
    for (let i = 0; i < s.length; i++) this.bytes[i] = s.charCodeAt(i);
    this.length = s.length;
  }
  next(): void {
    const b = this.bytes;
    let i = this.length - 1;
    while (i >= 0 && b[i] === 57) b[i--] = 48;
    if (i >= 0) {
      b[i]!++;
      return;
    }
    b.copyWithin(1, 0, this.length);
    b[0] = 49;
    this.length++;
  }
}

/** The live options of one target, as indexes into a SyntheticHasher's entries. */
interface HashedOptions {
  /** Entry of each live option (weight > 0), in option order. */
  entries: Int32Array;
  weights: Float64Array;
  /** Index of each live option in the target's options. */
  indexes: Int32Array;
  /** The hashes of the live options for the last hashed key (pick's scratch). */
  hashes: Int32Array;
}

/**
 * Hashes synthetic keys for a set of (salt, agent) entries: each entry keeps the murmur3 state
 * after `salt + "\n" + agent + "\n" + SYNTHETIC_PREFIX`, so a key costs only its digits, and
 * an entry shared by both sides of a rule is hashed once. `pick` then applies ROUTING.md §6
 * through split.ts's own comparison (`pickByHashes`), so both agree by construction.
 */
class SyntheticHasher {
  private readonly ids = new Map<string, number>();
  private prefix = new Int32Array(0);
  private hashes = new Int32Array(0);

  add(salt: string, options: readonly WeightedOption[]): HashedOptions {
    const live = options.map((o, index) => ({ o, index })).filter(({ o }) => o.weight > 0);
    const entries = new Int32Array(live.length);
    live.forEach(({ o }, i) => {
      const id = `${salt}\n${o.agent_key}\n`;
      let e = this.ids.get(id);
      if (e === undefined) {
        e = this.ids.size;
        this.ids.set(id, e);
        const st = initialState(0);
        feedUtf8(st, id + SYNTHETIC_PREFIX);
        const prefix = new Int32Array((e + 1) * 4);
        prefix.set(this.prefix);
        prefix.set([st.h, st.k, st.n, st.len], e * 4);
        this.prefix = prefix;
        this.hashes = new Int32Array(e + 1);
      }
      entries[i] = e;
    });
    return {
      entries,
      weights: Float64Array.from(live, ({ o }) => o.weight),
      indexes: Int32Array.from(live, ({ index }) => index),
      hashes: new Int32Array(live.length),
    };
  }

  /** Hashes the synthetic key whose decimal digits are `digits[0..length)` for every entry. */
  hash(digits: Uint8Array, length: number): void {
    const p = this.prefix;
    const hashes = this.hashes;
    for (let e = 0; e < hashes.length; e++) {
      const o = e * 4;
      hashes[e] = resumeHash(p[o]!, p[o + 1]!, p[o + 2]!, p[o + 3]!, digits, length);
    }
  }

  /** The chosen option (index into the target's options) for the last hashed key, or -1. */
  pick(t: HashedOptions): number {
    const all = this.hashes;
    const mine = t.hashes;
    for (let i = 0; i < mine.length; i++) mine[i] = all[t.entries[i]!]!;
    return pickByHashes(mine, t.weights, t.indexes, mine.length);
  }
}

/**
 * `compileSplit(salt, options).pick(syntheticKey(n))` for `n` given as decimal digits, by the
 * sweep's hashing. Exported so a test can check it against split.ts.
 */
export function compileSyntheticSplit(
  salt: string,
  options: readonly { agent_key: string; weight: number }[],
): { pick(digits: Uint8Array, length: number): number } {
  const hasher = new SyntheticHasher();
  const t = hasher.add(salt, options);
  return {
    pick(digits, length) {
      hasher.hash(digits, length);
      return hasher.pick(t);
    },
  };
}

export function shares(
  side: RuleSide | null,
  counts: Counts,
  keys: number,
  byOld: boolean,
): AgentShare[] | null {
  if (side === null) return null;
  const options = optionsOf(side);
  const total = options.reduce((s, o) => s + o.weight, 0);
  const width = counts.newAgents.length;
  const rows = counts.oldAgents.length;
  return options.map((o, x) => {
    let n = 0;
    if (byOld) for (let j = 0; j < width; j++) n += counts.cells[x * width + j]!;
    else for (let i = 0; i < rows; i++) n += counts.cells[i * width + x]!;
    return {
      agent_key: o.agent_key,
      weight: o.weight,
      requested: roundShare(o.weight / total),
      realised: n / keys,
    };
  });
}

export function splitDiff(a: RuleSide | null, b: RuleSide | null, counts: Counts, keys: number): SplitDiff {
  let moved: number | null = null;
  if (a !== null && b !== null) {
    let n = 0;
    counts.oldAgents.forEach((from, i) => {
      counts.newAgents.forEach((to, j) => {
        if (from !== to) n += counts.cells[i * counts.newAgents.length + j]!;
      });
    });
    moved = n / keys;
  }
  return {
    rule: b?.rule ?? null,
    old_rule: a?.rule ?? null,
    keys,
    before: shares(a, counts, keys, true),
    after: shares(b, counts, keys, false),
    moved,
  };
}

/** The (from, to) cells with from != to and a count, largest first (ties: old option order, then new). */
export function movesOf(counts: Counts, keys: number, a: RuleSide, b: RuleSide): Transition[] {
  const out: Transition[] = [];
  counts.oldAgents.forEach((from, i) => {
    counts.newAgents.forEach((to, j) => {
      const n = counts.cells[i * counts.newAgents.length + j]!;
      if (from !== to && n > 0)
        out.push({ rule: b.rule, old_rule: a.rule, from, to, share: n / keys, keys: n });
    });
  });
  return out.sort((x, y) => y.keys - x.keys);
}
