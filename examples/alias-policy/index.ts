// The alias `helpdesk` is created and owned elsewhere (another team's stack, the console:
// here, the emulator's seed). This stack owns only its routing policy; `pulumi destroy`
// puts back the policy the alias had before.
import * as pulumi from "@pulumi/pulumi";
import { AliasPolicy, canaryPolicy } from "pulumi-agent-alias";

const config = new pulumi.Config();

const policy = new AliasPolicy("helpdesk-policy", {
  aliasKey: config.get("aliasKey") ?? "helpdesk",
  policy: canaryPolicy({
    from: "helpdesk-v1",
    to: "helpdesk-v2",
    partitionBy: "get('$.session.key')",
    current: config.get("stage") ?? "canary-20",
  }),
});

export const aliasKey = policy.aliasKey;
export const previousPolicy = policy.previousPolicy;
