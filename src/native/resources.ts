/**
 * The plugin's resources by type token, each a thin adapter over the provider core that the
 * dynamic resources run (src/provider: check, diff, CRUD), so the two doors open onto one
 * room. What only a native plugin is asked for lives here, from the same field table:
 * outputs during preview (Create and Update with `preview`, unknown where the API decides)
 * and the inputs of an imported resource (Read without state).
 */
import { aliasProvider, type CheckOutcome, checkAlias } from "../provider/alias.js";
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

/** A dynamic provider of the core (provider/alias.ts, provider/alias-policy.ts), as this module calls it. */
interface CoreProvider<I, O extends object> {
  create(inputs: I): Promise<{ id: string; outs: O }>;
  read(id: string, props?: O): Promise<{ id?: string; props?: O; inputs?: O }>;
  update(id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
}

/**
 * A native resource over a core provider: check, diff, read, delete and the writes of create
 * and update are the core's; `preview` gives the outputs of create and update at preview.
 */
function nativeResource<I, O extends object>(
  core: CoreProvider<I, O>,
  check: (news: I, secrets: readonly InputPath[]) => Promise<CheckOutcome>,
  diff: NativeResource["diff"],
  preview: { create(inputs: I): O; update(olds: Props, news: I): O },
): NativeResource {
  return {
    async check(_olds, news, secrets) {
      return { inputs: news, ...(await check(news as unknown as I, secrets)) };
    },
    diff,
    async create(inputs, isPreview) {
      const i = inputs as unknown as I;
      if (isPreview) return { id: "", outs: asProps(preview.create(i)) };
      const r = await core.create(i);
      return { id: r.id, outs: asProps(r.outs) };
    },
    async read(id, state) {
      const r = await core.read(id, state as unknown as O | undefined);
      if (!r.id || !r.props) return null;
      return {
        id: r.id,
        outs: asProps(r.props),
        ...(r.inputs ? { inputs: asProps(r.inputs) } : {}),
      };
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

const alias = nativeResource<AliasInputs, AliasOutputs>(aliasProvider, checkAlias, diffAlias, {
  create: (inputs) => expectedAlias(inputs),
  update(olds, news) {
    const old = readAliasState(olds);
    const { patch, policy } = changesBetween(old, news);
    const writes = policy || Object.keys(patch).length > 0;
    // An update keeps the creation time; the API stamps a new updatedAt on any write.
    return expectedAlias(news, { createdAt: old.createdAt, updatedAt: writes ? undefined : old.updatedAt });
  },
});

const aliasPolicy = nativeResource<AliasPolicyInputs, AliasPolicyOutputs>(
  aliasPolicyProvider,
  checkAliasPolicy,
  diffAliasPolicy,
  {
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
);

/** The resources of the package, by type token. */
export const RESOURCES: Readonly<Record<string, NativeResource>> = {
  [ALIAS_TOKEN]: alias,
  [ALIAS_POLICY_TOKEN]: aliasPolicy,
};
