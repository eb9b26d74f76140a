/**
 * The AliasPolicy resource's provider: owns the policy of an alias that is managed elsewhere.
 * Create remembers the policy it replaces; delete puts that policy back.
 */
import type * as pulumi from "@pulumi/pulumi";
import { cut, isApiError } from "../client/index.js";
import { type CheckOutcome, checkWithAgents, dynamicCheckAndDiff } from "./alias.js";
import { checkAliasPolicyInputs } from "./check.js";
import { apiClient } from "./connection.js";
import { diffAliasPolicy } from "./diff.js";
import { coded, describeApiFailure } from "./errors.js";
import type { InputPath } from "./secrets.js";
import { type AliasPolicyInputs, type AliasPolicyOutputs, STATE_VERSION, same } from "./values.js";

type Dyn = pulumi.dynamic.ResourceProvider<AliasPolicyInputs, AliasPolicyOutputs>;

/** Pulumi's dynamic ResourceProvider, with every method present and create/update always returning outputs. */
export type AliasPolicyProvider = Omit<Required<Dyn>, "create" | "update"> & {
  create(inputs: AliasPolicyInputs): Promise<{ id: string; outs: AliasPolicyOutputs }>;
  update(
    id: string,
    olds: AliasPolicyOutputs,
    news: AliasPolicyInputs,
  ): Promise<{ outs: AliasPolicyOutputs }>;
};

/** Check of an AliasPolicy's inputs, for either door; secret inputs (at `secrets`) never shown. */
export const checkAliasPolicy = (
  news: AliasPolicyInputs,
  secrets: readonly InputPath[],
): Promise<CheckOutcome> => checkWithAgents(news, secrets, checkAliasPolicyInputs);

export const aliasPolicyProvider: AliasPolicyProvider = {
  ...dynamicCheckAndDiff<AliasPolicyInputs, AliasPolicyOutputs>(checkAliasPolicy, diffAliasPolicy),

  async create(inputs) {
    const client = apiClient();
    let previous: AliasPolicyOutputs["previousPolicy"];
    try {
      previous = (await client.getAlias(inputs.aliasKey)).policy;
    } catch (e) {
      if (isApiError(e, "not_found")) {
        throw coded(
          "not_found",
          `Alias '${cut(inputs.aliasKey)}' not found: AliasPolicy manages the policy of an alias that already exists; create the alias first (or use Alias).`,
        );
      }
      throw describeApiFailure(`reading alias '${cut(inputs.aliasKey)}'`, e);
    }
    try {
      const alias = await client.replacePolicy(inputs.aliasKey, inputs.policy);
      return {
        id: inputs.aliasKey,
        outs: {
          aliasKey: inputs.aliasKey,
          policy: alias.policy,
          samples: inputs.samples ?? [],
          previousPolicy: previous,
          updatedAt: alias.updated_at ?? alias.created_at,
          stateVersion: STATE_VERSION,
        },
      };
    } catch (e) {
      throw describeApiFailure(`replacing the policy of alias '${cut(inputs.aliasKey)}'`, e);
    }
  },

  async read(id, props) {
    let alias: Awaited<ReturnType<ReturnType<typeof apiClient>["findAlias"]>>;
    try {
      alias = await apiClient().findAlias(id);
    } catch (e) {
      throw describeApiFailure(`reading alias '${cut(id)}'`, e);
    }
    if (!alias) return {};
    const old = (props ?? {}) as Partial<AliasPolicyOutputs>;
    const samples = old.samples ?? [];
    // The inputs that manage the policy as it now is: the engine diffs the program's against them.
    const inputs = { aliasKey: id, policy: alias.policy, ...(samples.length > 0 ? { samples } : {}) };
    return {
      id,
      props: {
        aliasKey: id,
        policy: alias.policy,
        samples,
        previousPolicy: old.previousPolicy ?? alias.policy,
        updatedAt: alias.updated_at ?? alias.created_at,
        stateVersion: STATE_VERSION,
      },
      inputs: inputs as AliasPolicyOutputs,
    };
  },

  async update(id, olds, news) {
    if (same(olds.policy, news.policy)) return { outs: { ...olds, samples: news.samples ?? [] } };
    try {
      const alias = await apiClient().replacePolicy(id, news.policy);
      return {
        outs: {
          ...olds,
          policy: alias.policy,
          samples: news.samples ?? [],
          updatedAt: alias.updated_at ?? alias.created_at,
        },
      };
    } catch (e) {
      throw describeApiFailure(`replacing the policy of alias '${cut(id)}'`, e);
    }
  },

  async delete(id, props) {
    const previous = (props as Partial<AliasPolicyOutputs>).previousPolicy;
    if (!previous) return;
    try {
      await apiClient().replacePolicy(id, previous);
    } catch (e) {
      if (isApiError(e, "not_found")) return;
      throw describeApiFailure(`restoring the previous policy of alias '${cut(id)}'`, e);
    }
  },
};
