// A canary rollout as a stage table. Moving it on is one config change:
//   pulumi config set stage canary-50 && pulumi up
// Each step moves users only from chat-v1 to chat-v2 (weighted rendezvous hashing).
import * as pulumi from "@pulumi/pulumi";
import { Alias, type CanaryStage, canaryPolicy } from "pulumi-agent-alias";

const config = new pulumi.Config();

const stages: CanaryStage[] = [
  { name: "canary-5", weights: [95, 5] },
  { name: "canary-20", weights: [80, 20] },
  { name: "canary-50", weights: [50, 50] },
  { name: "complete", weights: [0, 100] },
];

const alias = new Alias("chat", {
  key: config.get("aliasKey") ?? "chat",
  name: "Chat assistant",
  policy: canaryPolicy({
    from: "chat-v1",
    to: "chat-v2",
    partitionBy: "get('$.session.metadata.user_id', get('$.session.key'))",
    stages,
    current: config.require("stage"),
  }),
  samples: [{ name: "user 42", context: { session: { metadata: { user_id: "42" } } } }],
});

export const key = alias.key;
export const policy = alias.policy;
