/**
 * The plugin's resources by type token, each a thin adapter over the provider core that the
 * dynamic resources run (src/provider: check, diff, CRUD), so the two doors open onto one
 * room. What only a native plugin is asked for lives here, from the same field table:
 * outputs during preview (Create and Update with `preview`, unknown where the API decides)
 * and the inputs of an imported resource (Read without state).
 */
import { aliasProvider, checkAlias } from "../provider/alias.js";
import { aliasPolicyProvider, checkAliasPolicy } from "../provider/alias-policy.js";
import type { CheckFailure } from "../provider/check.js";
import { type DiffResult, diffAlias, diffAliasPolicy } from "../provider/diff.js";
import type { InputPath } from "../provider/secrets.js";
import {
  type AliasInputs,
  type AliasOutputs,
  type AliasPolicyInputs,
  type AliasPolicyOutputs,
  aliasOutputs,
  changesBetween,
  readAliasState,
  STATE_VERSION,
  same,
  UNKNOWN,
} from "../provider/values.js";
import { type Alias, aliasFields } from "../wire/index.js";
import { ALIAS_POLICY_TOKEN, ALIAS_TOKEN } from "./schema.js";
import type { Props } from "./struct.js";

export interface NativeResource {
  /**
   * The core's check: failures as the core writes them, warnings and sample routes to log;
   * `secrets` are where the engine sent secrets (never shown in a failure, warning or route).
   */
  check(
    olds: Props,
    news: Props,
    secrets: readonly InputPath[],
  ): Promise<{ inputs: Props; failures: CheckFailure[]; warnings: string[]; routes: string[] }>;
  diff(olds: Props, news: Props): DiffResult;
  /** With `preview`, nothing is written: the outputs the inputs will give, unknown where the API decides, and id "". */
  create(inputs: Props, preview: boolean): Promise<{ id: string; outs: Props }>;
  /**
   * The live state; null when it is gone. Also the inputs that would manage the resource as it
   * is, default values left out: `pulumi import` prints them, and after a refresh the engine
   * diffs the program's inputs against them, so drift shows with the value the API has.
   */
  read(id: string, state: Props | undefined): Promise<{ id: string; outs: Props; inputs?: Props } | null>;
  update(id: string, olds: Props, news: Props, preview: boolean): Promise<Props>;
  delete(id: string, olds: Props): Promise<void>;
}

const asProps = (v: object): Props => v as unknown as Props;

/**
 * The outputs an alias with these inputs has, the API's defaults applied, each output-only
 * field (timestamps) as given in `outputs` or else unknown.
 */
function expectedAlias(inputs: AliasInputs, outputs: Record<string, string | undefined> = {}): AliasOutputs {
  const alias: Record<string, unknown> = {};
  for (const [name, f] of aliasFields()) {
    if (f.wire === undefined) continue;
    if (f.update === "output") alias[f.wire] = outputs[name] ?? UNKNOWN;
    else {
      const v = inputs[name as keyof AliasInputs];
      alias[f.wire] = v === undefined || v === null ? f.none?.() : v;
    }
  }
  return aliasOutputs(inputs, alias as unknown as Alias);
}

const alias: NativeResource = {
  async check(_olds, news, secrets) {
    return { inputs: news, ...(await checkAlias(news as unknown as AliasInputs, secrets)) };
  },
  diff: diffAlias,
  async create(inputs, preview) {
    const i = inputs as unknown as AliasInputs;
    if (preview) return { id: "", outs: asProps(expectedAlias(i)) };
    const r = await aliasProvider.create(i);
    return { id: r.id, outs: asProps(r.outs) };
  },
  async read(id, state) {
    const r = await aliasProvider.read(id, state as unknown as AliasOutputs | undefined);
    if (!r.id || !r.props) return null;
    return { id: r.id, outs: asProps(r.props), ...(r.inputs ? { inputs: asProps(r.inputs) } : {}) };
  },
  async update(id, olds, news, preview) {
    const n = news as unknown as AliasInputs;
    if (preview) {
      const old = readAliasState(olds);
      const { patch, policy } = changesBetween(old, n);
      const writes = policy || Object.keys(patch).length > 0;
      // An update keeps the creation time; the API stamps a new updatedAt on any write.
      return asProps(
        expectedAlias(n, { createdAt: old.createdAt, updatedAt: writes ? undefined : old.updatedAt }),
      );
    }
    return asProps((await aliasProvider.update(id, olds as unknown as AliasOutputs, n)).outs);
  },
  async delete(id, olds) {
    await aliasProvider.delete(id, olds as unknown as AliasOutputs);
  },
};

const aliasPolicy: NativeResource = {
  async check(_olds, news, secrets) {
    return { inputs: news, ...(await checkAliasPolicy(news as unknown as AliasPolicyInputs, secrets)) };
  },
  diff: diffAliasPolicy,
  async create(inputs, preview) {
    const i = inputs as unknown as AliasPolicyInputs;
    if (preview) {
      const outs: AliasPolicyOutputs = {
        aliasKey: i.aliasKey,
        policy: i.policy,
        samples: i.samples ?? [],
        previousPolicy: UNKNOWN as unknown as AliasPolicyOutputs["previousPolicy"],
        updatedAt: UNKNOWN,
        stateVersion: STATE_VERSION,
      };
      return { id: "", outs: asProps(outs) };
    }
    const r = await aliasPolicyProvider.create(i);
    return { id: r.id, outs: asProps(r.outs) };
  },
  async read(id, state) {
    const r = await aliasPolicyProvider.read(id, state as unknown as AliasPolicyOutputs | undefined);
    if (!r.id || !r.props) return null;
    return { id: r.id, outs: asProps(r.props), ...(r.inputs ? { inputs: asProps(r.inputs) } : {}) };
  },
  async update(id, olds, news, preview) {
    const o = olds as unknown as AliasPolicyOutputs;
    const n = news as unknown as AliasPolicyInputs;
    if (preview) {
      const samples = n.samples ?? [];
      return asProps(
        same(o.policy, n.policy)
          ? { ...o, samples }
          : { ...o, policy: n.policy, samples, updatedAt: UNKNOWN },
      );
    }
    return asProps((await aliasPolicyProvider.update(id, o, n)).outs);
  },
  async delete(id, olds) {
    await aliasPolicyProvider.delete(id, olds as unknown as AliasPolicyOutputs);
  },
};

/** The resources of the package, by type token. */
export const RESOURCES: Readonly<Record<string, NativeResource>> = {
  [ALIAS_TOKEN]: alias,
  [ALIAS_POLICY_TOKEN]: aliasPolicy,
};
