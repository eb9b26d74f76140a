/**
 * Each resource's lifecycle for the doors that are plugins (the native Pulumi plugin, the
 * Terraform provider): a thin adapter over the core that the dynamic resources run (check,
 * diff, CRUD), over plain property maps with the core's UNKNOWN marker, so every door opens
 * onto one room. What only a plugin is asked for lives here, from the same field table:
 * outputs during a preview or plan (create and update with `preview`, unknown where the API
 * decides) and the inputs of an imported resource (read without state).
 */

import type { RoutedSample } from "../policy/index.js";
import { type Alias, aliasFields } from "../wire/index.js";
import { aliasProvider, checkWithAgents } from "./alias.js";
import { aliasPolicyProvider } from "./alias-policy.js";
import { type Checked, type CheckFailure, checkAlias, checkAliasPolicy } from "./check.js";
import { type DiffResult, diffAlias, diffAliasPolicy } from "./diff.js";
import {
  type AliasInputs,
  type AliasOutputs,
  type AliasPolicyInputs,
  type AliasPolicyOutputs,
  aliasOutputs,
  changesBetween,
  readAliasPolicyState,
  readAliasState,
  STATE_VERSION,
  same,
  UNKNOWN,
} from "./values.js";

/** A resource's properties as plain JSON, a value not known yet being UNKNOWN. */
export type Props = Record<string, unknown>;

export interface PluginResource {
  /** Validation with no API call (a plan-time `validate` may run before the connection is configured). */
  validate(news: Props): Checked;
  /** `validate`, then the API's word on agents that do not exist; the samples' routes too. */
  check(
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: CheckFailure[]; routes: RoutedSample[] }>;
  diff(olds: Props, news: Props): DiffResult;
  /** With `preview`, nothing is written: the outputs the inputs will give, unknown where the API decides, and id "". */
  create(inputs: Props, preview: boolean): Promise<{ id: string; outs: Props }>;
  /**
   * The live state; null when it is gone. Without `state` (an import) also the inputs that
   * would manage the resource as it is, default values left out, for `pulumi import` to print.
   */
  read(id: string, state: Props | undefined): Promise<{ id: string; outs: Props; inputs?: Props } | null>;
  update(id: string, olds: Props, news: Props, preview: boolean): Promise<Props>;
  delete(id: string, olds: Props): Promise<void>;
  /** Outputs written by any version of this provider, read in the current layout (defaults filled in). */
  readState(olds: Props): Props;
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

/** An imported alias's inputs: every field a program sets, unless it holds the API's default. */
function aliasImportInputs(outs: Props): Props {
  const inputs: Props = {};
  for (const [name, f] of aliasFields()) {
    if (f.update === "output" || f.update === "state") continue;
    const v = outs[name];
    if (v === undefined || (f.none !== undefined && same(v, f.none()))) continue;
    inputs[name] = v;
  }
  return inputs;
}

/** PluginResource.check from its validate: the pure checks, then the agents' existence. */
async function checked(validate: (news: Props) => Checked, news: Props) {
  const { failures, routes } = validate(news);
  return {
    inputs: news,
    failures: await checkWithAgents(failures, news.policy as AliasInputs["policy"]),
    routes,
  };
}

const alias: PluginResource = {
  validate: checkAlias,
  readState: (olds) => asProps(readAliasState(olds)),
  check: (_olds, news) => checked(checkAlias, news),
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
    const outs = asProps(r.props);
    return state === undefined ? { id: r.id, outs, inputs: aliasImportInputs(outs) } : { id: r.id, outs };
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

const aliasPolicy: PluginResource = {
  validate: checkAliasPolicy,
  readState: (olds) => asProps(readAliasPolicyState(olds)),
  check: (_olds, news) => checked(checkAliasPolicy, news),
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
    const outs = asProps(r.props);
    if (state !== undefined) return { id: r.id, outs };
    return { id: r.id, outs, inputs: { aliasKey: r.props.aliasKey, policy: r.props.policy } };
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

/** The resources, by the core's name (each door names them its own way). */
export const PLUGIN_RESOURCES: Readonly<{ alias: PluginResource; aliasPolicy: PluginResource }> = {
  alias,
  aliasPolicy,
};
