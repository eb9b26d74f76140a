/**
 * Weighted rendezvous hashing (ROUTING.md §6): for each option with weight > 0,
 * h = murmur3_x86_32(utf8(alias_key + "\n" + agent_key + "\n" + partition)), u = (h + 0.5) / 2^32,
 * score = weight / -ln(u); the highest score wins, the earlier option on an exact tie.
 *
 * `compileSplit` hashes each option's constant prefix once; `pick` encodes the partition
 * string to UTF-8 once (into a shared scratch buffer) and resumes each option's hash from
 * its saved prefix state over those bytes. It allocates nothing.
 */
import { encodeScratch, feedUtf8, initialState, resumeHash, scratchBytes } from "./murmur3.js";

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

export function compileSplit(aliasKey: string, options: readonly WeightedOption[]): CompiledSplit {
  const live = options.map((o, index) => ({ o, index })).filter(({ o }) => o.weight > 0);
  const count = live.length;
  const weights = new Float64Array(count);
  const indexes = new Int32Array(count);
  // Prefix states, flattened: h, k, n, len per option.
  const prefix = new Int32Array(count * 4);
  for (let i = 0; i < count; i++) {
    const { o, index } = live[i]!;
    const st = initialState(0);
    feedUtf8(st, `${aliasKey}\n${o.agent_key}\n`);
    weights[i] = o.weight;
    indexes[i] = index;
    prefix[i * 4] = st.h;
    prefix[i * 4 + 1] = st.k;
    prefix[i * 4 + 2] = st.n;
    prefix[i * 4 + 3] = st.len;
  }
  return {
    options,
    pick(partition: string): number {
      const bytes = encodeScratch(partition);
      const buf = scratchBytes();
      let best = -1;
      let bestH = 0;
      let bestW = 0;
      let bestScore = -1; // computed only when a comparison needs it
      for (let i = 0; i < count; i++) {
        const o = i * 4;
        const h = resumeHash(prefix[o]!, prefix[o + 1]!, prefix[o + 2]!, prefix[o + 3]!, buf, bytes);
        const w = weights[i]!;
        if (best >= 0) {
          // -ln(u) falls as h rises, so a higher hash with no lower weight always scores
          // higher (strictly: distinct u differ far beyond rounding), and a lower hash with
          // no higher weight always lower; an equal hash and weight is a tie, kept by the
          // earlier option. Only mixed cases need the logarithms.
          if ((h > bestH && w >= bestW) || (h === bestH && w > bestW)) {
            best = indexes[i]!;
            bestH = h;
            bestW = w;
            bestScore = -1;
            continue;
          }
          if (h <= bestH && w <= bestW) continue;
          if (bestScore < 0) bestScore = bestW / -Math.log((bestH + 0.5) / TWO_POW_32);
          const score = w / -Math.log((h + 0.5) / TWO_POW_32);
          if (score > bestScore) {
            best = indexes[i]!;
            bestH = h;
            bestW = w;
            bestScore = score;
          }
          continue;
        }
        best = indexes[i]!;
        bestH = h;
        bestW = w;
      }
      return best;
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
