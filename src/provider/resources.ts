/**
 * Each resource's lifecycle for the doors that are plugins (the native Pulumi plugin, the
 * Terraform provider): a thin adapter over the core that the dynamic resources run (check,
 * diff, CRUD), over plain property maps with the core's UNKNOWN marker, so every door opens
 * onto one room. What only a plugin is asked for lives here, from the same field table:
 * outputs during a preview or plan (create and update with `preview`, unknown where the API
 * decides) and the inputs of an imported resource (read without state).
 */

import { type Alias, aliasFields } from "../wire/index.js";
import { aliasProvider, type CheckOutcome, checkAlias } from "./alias.js";
import { aliasPolicyProvider, checkAliasPolicy } from "./alias-policy.js";
import { type CheckFailure, checkAliasInputs, checkAliasPolicyInputs } from "./check.js";
import { type DiffResult, diffAlias, diffAliasPolicy } from "./diff.js";
import { type InputPath, redactFailures } from "./secrets.js";
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
  /**
   * Validation with no API call (a plan-time `validate` may run before the connection is
   * configured); `secrets` are where secrets sit in the inputs (never shown in a failure).
   */
  validate(news: Props, secrets: readonly InputPath[]): CheckFailure[];
  /**
   * The core's check: failures as the core writes them, warnings and sample routes to log,
   * the API asked about agents that do not exist; secrets never shown, as for `validate`.
   */
  check(olds: Props, news: Props, secrets: readonly InputPath[]): Promise<{ inputs: Props } & CheckOutcome>;
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

/** The pure checks of `validate`, their failures redacted as the core's check redacts them. */
const pure =
  (inputs: (news: Props) => CheckFailure[]) =>
  (news: Props, secrets: readonly InputPath[]): CheckFailure[] =>
    redactFailures(inputs(news), news, secrets);

const alias: PluginResource = {
  validate: pure((news) => checkAliasInputs(news)),
  readState: (olds) => asProps(readAliasState(olds)),
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

const aliasPolicy: PluginResource = {
  validate: pure((news) => checkAliasPolicyInputs(news)),
  readState: (olds) => asProps(readAliasPolicyState(olds)),
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

/** The resources, by the core's name (each door names them its own way). */
export const PLUGIN_RESOURCES: Readonly<{ alias: PluginResource; aliasPolicy: PluginResource }> = {
  alias,
  aliasPolicy,
};
