/**
 * `AliasPolicy`: owns the policy of an alias created elsewhere (another stack, the console).
 * Deleting it restores the policy that was there before.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Policy } from "../policy/index.js";
import { logSamplesWhenKnown, providerInputs, type SampleInput } from "./alias.js";
import { aliasPolicyResourceProvider } from "./serialized.js";

export interface AliasPolicyArgs {
  /** The alias whose policy this resource owns. Changing it moves ownership (replace). */
  aliasKey: pulumi.Input<string>;
  policy: pulumi.Input<Policy>;
  samples?: pulumi.Input<SampleInput[]>;
}

export class AliasPolicy extends pulumi.dynamic.Resource {
  declare readonly aliasKey: pulumi.Output<string>;
  declare readonly policy: pulumi.Output<Policy>;
  declare readonly samples: pulumi.Output<SampleInput[]>;
  /** The policy the alias had before; put back when this resource is deleted. */
  declare readonly previousPolicy: pulumi.Output<Policy>;
  declare readonly updatedAt: pulumi.Output<string>;

  constructor(name: string, args: AliasPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const { inputs, secrets } = providerInputs(args, {
      previousPolicy: undefined,
      updatedAt: undefined,
      stateVersion: undefined,
    });
    super(aliasPolicyResourceProvider, name, inputs, opts, "agent-alias", "AliasPolicy");
    const { aliasKey, policy, samples } = args;
    logSamplesWhenKnown(this, { aliasKey, policy, samples }, secrets, (v) => ({ key: v.aliasKey as string }));
  }
}
