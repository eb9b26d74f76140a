// Quick start: one alias in front of two versions of the support agent.
// `canaryStage` = direct routes everyone to support-v1; a canary stage splits users, sticky
// per user, between support-v1 and support-v2 (pulumi config set canaryStage canary-20).
import * as pulumi from "@pulumi/pulumi";
import { Alias, canaryPolicy, type Policy } from "pulumi-agent-alias";

const config = new pulumi.Config();
const stage = config.get("canaryStage") ?? "direct";
const aliasKey = config.get("aliasKey") ?? "support";

const policy: Policy =
  stage === "direct"
    ? { type: "routed", rules: [{ targets: { type: "single", agent_key: "support-v1" } }] }
    : canaryPolicy({
        from: "support-v1",
        to: "support-v2",
        partitionBy: "get('$.session.metadata.user_id', get('$.session.key'))",
        current: stage,
      });

const alias = new Alias("support", {
  key: aliasKey,
  name: "Customer Support",
  description: "Stable public handle for the support agent",
  metadata: { team: "cx" },
  policy,
  samples: [
    { name: "user u-1", context: { session: { metadata: { user_id: "u-1" } } } },
    { name: "user u-2", context: { session: { metadata: { user_id: "u-2" } } } },
  ],
});

export const key = alias.key;
export const createdAt = alias.createdAt;
export const currentStage = stage;
