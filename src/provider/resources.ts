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

/** A dynamic provider of the core (alias.ts, alias-policy.ts), as this module calls it. */
interface CoreProvider<I, O extends object> {
  create(inputs: I): Promise<{ id: string; outs: O }>;
  read(id: string, props?: O): Promise<{ id?: string; props?: O; inputs?: O }>;
  update(id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
}

/** What a resource has besides the core provider's CRUD: its checks, diff, state reading and preview outputs. */
interface ResourceParts<I, O extends object> {
  validate: PluginResource["validate"];
  check: (news: I, secrets: readonly InputPath[]) => Promise<CheckOutcome>;
  diff: PluginResource["diff"];
  readState: (olds: Props) => object;
  preview: { create(inputs: I): O; update(olds: Props, news: I): O };
}

/**
 * A plugin resource over a core provider: check, diff, read, delete and the writes of create
 * and update are the core's; `preview` gives the outputs of create and update at preview.
 */
function pluginResource<I, O extends object>(
  core: CoreProvider<I, O>,
  parts: ResourceParts<I, O>,
): PluginResource {
  const { preview } = parts;
  return {
    validate: parts.validate,
    readState: (olds) => asProps(parts.readState(olds)),
    async check(_olds, news, secrets) {
      return { inputs: news, ...(await parts.check(news as unknown as I, secrets)) };
    },
    diff: parts.diff,
    async create(inputs, isPreview) {
      const i = inputs as unknown as I;
      if (isPreview) return { id: "", outs: asProps(preview.create(i)) };
      const r = await core.create(i);
      return { id: r.id, outs: asProps(r.outs) };
    },
    async read(id, state) {
      const r = await core.read(id, state as unknown as O | undefined);
      if (!r.id || !r.props) return null;
      return { id: r.id, outs: asProps(r.props), ...(r.inputs ? { inputs: asProps(r.inputs) } : {}) };
    },
    async update(id, olds, news, isPreview) {
      const n = news as unknown as I;
      if (isPreview) return asProps(preview.update(olds, n));
      return asProps((await core.update(id, olds as unknown as O, n)).outs);
    },
    async delete(id, olds) {
      await core.delete(id, olds as unknown as O);
    },
  };
}

const alias = pluginResource<AliasInputs, AliasOutputs>(aliasProvider, {
  validate: pure((news) => checkAliasInputs(news)),
  check: checkAlias,
  diff: diffAlias,
  readState: readAliasState,
  preview: {
    create: (inputs) => expectedAlias(inputs),
    update(olds, news) {
      const old = readAliasState(olds);
      const { patch, policy } = changesBetween(old, news);
      const writes = policy || Object.keys(patch).length > 0;
      // An update keeps the creation time; the API stamps a new updatedAt on any write.
      return expectedAlias(news, { createdAt: old.createdAt, updatedAt: writes ? undefined : old.updatedAt });
    },
  },
});

const aliasPolicy = pluginResource<AliasPolicyInputs, AliasPolicyOutputs>(aliasPolicyProvider, {
  validate: pure((news) => checkAliasPolicyInputs(news)),
  check: checkAliasPolicy,
  diff: diffAliasPolicy,
  readState: readAliasPolicyState,
  preview: {
    create: (i) => ({
      aliasKey: i.aliasKey,
      policy: i.policy,
      samples: i.samples ?? [],
      previousPolicy: UNKNOWN as unknown as AliasPolicyOutputs["previousPolicy"],
      updatedAt: UNKNOWN,
      stateVersion: STATE_VERSION,
    }),
    update(olds, n) {
      const o = olds as unknown as AliasPolicyOutputs;
      const samples = n.samples ?? [];
      return same(o.policy, n.policy)
        ? { ...o, samples }
        : { ...o, policy: n.policy, samples, updatedAt: UNKNOWN };
    },
  },
});

/** The resources, by the core's name (each door names them its own way). */
export const PLUGIN_RESOURCES: Readonly<{ alias: PluginResource; aliasPolicy: PluginResource }> = {
  alias,
  aliasPolicy,
};
