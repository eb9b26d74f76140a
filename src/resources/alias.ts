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

/**
 * What a resource hands `dynamic.Resource`: its args, the outputs it declares (`outputs`, each
 * undefined, so the engine shows them) and, as SECRETS_KEY, the names of the secret args.
 */
export function providerInputs(
  args: object,
  outputs: Record<string, undefined>,
): { inputs: pulumi.Inputs; secrets: pulumi.Output<string[]> } {
  const secrets = secretInputNames(args);
  return { inputs: { ...args, ...outputs, [SECRETS_KEY]: secrets }, secrets };
}

/**
 * logSamples once `inputs` (a policy, samples and the alias fields `alias` reads from them) and
 * the secret args' names are known; the values of `inputs` named secret are never shown.
 */
export function logSamplesWhenKnown(
  resource: pulumi.Resource,
  inputs: { policy: pulumi.Input<Policy>; samples?: pulumi.Input<SampleInput[]> | undefined } & pulumi.Inputs,
  secrets: pulumi.Output<string[]>,
  alias: (values: Record<string, unknown>) => Parameters<typeof logSamples>[1],
): void {
  const known = pulumi.all(inputs as Record<string, pulumi.Input<unknown>>);
  pulumi.all([known, secrets]).apply(([unwrapped, secretNames]) => {
    const values = unwrapped as Record<string, unknown>;
    logSamples(
      resource,
      alias(values),
      values.policy as Policy,
      values.samples as Sample[] | undefined,
      valuesNamed(values, secretNames),
    );
  });
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
    const { inputs, secrets } = providerInputs(args, { ...OUTPUTS_ONLY, stateVersion: undefined });
    super(aliasResourceProvider, name, inputs, opts, "agent-alias", "Alias");
    const { key, description, metadata, policy, samples } = args;
    logSamplesWhenKnown(
      this,
      { key, name: args.name, description, metadata, policy, samples },
      secrets,
      (v) => ({
        key: v.key as string,
        name: v.name as string | undefined,
        description: v.description as string | undefined,
        metadata: v.metadata as Record<string, unknown> | undefined,
      }),
    );
  }
}
