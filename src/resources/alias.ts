/**
 * `Alias`: one agent alias, managed by `pulumi up`. Its preview runs the bundled resolver:
 * a broken rule or a sample that reaches the wrong agent fails `pulumi preview`.
 */
import * as pulumi from "@pulumi/pulumi";
import { redactor, stringsOf } from "../client/redact.js";
import { checkPolicy, type Policy, routeSamples, type Sample, sampleRouteLine } from "../policy/index.js";
import { SECRETS_KEY } from "../provider/values.js";
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

/**
 * The names of the inputs given as secrets (an Output marked secret, or one holding a secret),
 * recorded as the input SECRETS_KEY: the engine hands a dynamic provider plain values, and
 * check must know what never to show.
 */
export function secretInputNames(args: object): pulumi.Output<string[]> {
  const names = Promise.all(
    Object.entries(args).map(async ([name, v]) =>
      v !== undefined && (await pulumi.isSecret(pulumi.output(v))) ? name : undefined,
    ),
  ).then((list) => list.filter((n): n is string => n !== undefined));
  return pulumi.output(names);
}

/**
 * Logs, at preview and up, where each sample goes; silent when inputs are not known yet.
 * `secrets` are the values of the inputs given as secrets: never shown in a line.
 */
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
  secrets: readonly unknown[] = [],
): void {
  if (!samples || samples.length === 0) return;
  const checked = checkPolicy({ key: alias.key, policy });
  if (!checked.ok) return; // check reports the policy's problems with their properties
  const clean = redactor(stringsOf(secrets));
  for (const r of routeSamples(checked.policy, samples, alias))
    pulumi.log.info(clean(sampleRouteLine(r)), resource);
}

/** The values of `args` whose names are in `names`. */
export const valuesNamed = (args: object, names: readonly string[]): unknown[] =>
  names.map((n) => (args as Record<string, unknown>)[n]);

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
    const secrets = secretInputNames(args);
    super(
      aliasResourceProvider,
      name,
      { ...args, ...OUTPUTS_ONLY, stateVersion: undefined, [SECRETS_KEY]: secrets },
      opts,
      "agent-alias",
      "Alias",
    );
    pulumi
      .all([args.key, args.name, args.description, args.metadata, args.policy, args.samples, secrets])
      .apply(([key, aliasName, description, metadata, policy, samples, secretNames]) =>
        logSamples(
          this,
          { key, name: aliasName, description, metadata },
          policy as Policy,
          samples as Sample[] | undefined,
          valuesNamed({ key, name: aliasName, description, metadata, policy, samples }, secretNames),
        ),
      );
  }
}
