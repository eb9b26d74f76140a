/**
 * `Alias`: one agent alias, managed by `pulumi up`. Its preview runs the bundled resolver:
 * a broken rule or a sample that reaches the wrong agent fails `pulumi preview`.
 */
import * as pulumi from "@pulumi/pulumi";
import { checkPolicy, type Policy, routeLine, routeSamples, type Sample } from "../policy/index.js";
import { fieldsUpdatedBy } from "../wire/index.js";
import { aliasResourceProvider } from "./serialized.js";

/** The outputs the API sets (the field table's `output` fields), declared so the engine shows them. */
const OUTPUTS_ONLY = Object.fromEntries(fieldsUpdatedBy("output").map((name) => [name, undefined]));

/** A sample session: a routing context, and optionally the agent it must reach. */
export interface SampleInput {
  name?: string;
  context: Record<string, unknown>;
  /** The agent key this sample must resolve to; a miss fails preview. */
  expect?: string;
}

export interface AliasArgs {
  /** The alias key: 1..50 letters, digits, `_` or `-`. Changing it replaces the alias. */
  key: pulumi.Input<string>;
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Default true. A disabled alias refuses new sessions. */
  enabled?: pulumi.Input<boolean>;
  metadata?: pulumi.Input<Record<string, unknown>>;
  /** The routing policy, as in the API and the YAML files (`agent_key`, `partition_by`). */
  policy: pulumi.Input<Policy>;
  /** Sample sessions resolved at every preview; a missed `expect` fails it. */
  samples?: pulumi.Input<SampleInput[]>;
  /**
   * Take over an alias that already exists with this key (instead of failing with 409), and
   * bring it to these settings. `pulumi import` does not work for dynamic providers.
   */
  adopt?: pulumi.Input<boolean>;
}

/** Logs, at preview and up, where each sample goes; silent when inputs are not known yet. */
export function logSamples(
  resource: pulumi.Resource,
  alias: {
    key: string;
    name?: string | undefined;
    description?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
  policy: Policy,
  samples: readonly Sample[] | undefined,
): void {
  if (!samples || samples.length === 0) return;
  const checked = checkPolicy({ key: alias.key, policy });
  if (!checked.ok) return; // check reports the policy's problems with their properties
  for (const r of routeSamples(checked.policy, samples, alias)) pulumi.log.info(routeLine(r), resource);
}

export class Alias extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly enabled: pulumi.Output<boolean>;
  declare readonly metadata: pulumi.Output<Record<string, unknown>>;
  declare readonly policy: pulumi.Output<Policy>;
  declare readonly samples: pulumi.Output<SampleInput[]>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: AliasArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      aliasResourceProvider,
      name,
      { ...args, ...OUTPUTS_ONLY, stateVersion: undefined },
      opts,
      "agent-alias",
      "Alias",
    );
    pulumi
      .all([args.key, args.name, args.description, args.metadata, args.policy, args.samples])
      .apply(([key, aliasName, description, metadata, policy, samples]) =>
        logSamples(
          this,
          { key, name: aliasName, description, metadata },
          policy as Policy,
          samples as Sample[] | undefined,
        ),
      );
  }
}
