// Tenants routed to their own agents; the EU tenant canaries a new agent version while
// everyone else is routed directly. Gold-tier sessions stay pinned to the stable agent.
import * as pulumi from "@pulumi/pulumi";
import { Alias, canaryPolicy } from "pulumi-agent-alias";

const config = new pulumi.Config();

const alias = new Alias("tenants", {
  key: config.get("aliasKey") ?? "tenants",
  name: "Support by tenant",
  policy: canaryPolicy({
    before: [
      {
        match: "get('$.session.metadata.tier', 'free') == 'gold'",
        targets: { type: "single", agent_key: "support-v1" },
      },
      {
        match: "get('$.session.metadata.tenant') == 'us'",
        targets: { type: "single", agent_key: "support-us" },
      },
    ],
    match: "get('$.session.metadata.tenant') == 'eu'",
    from: "support-v1",
    to: "support-v2",
    partitionBy: "get('$.session.metadata.user_id', get('$.session.key'))",
    current: config.require("euStage"),
    others: "support-v1",
  }),
  samples: [
    {
      name: "gold EU user",
      context: { session: { metadata: { tenant: "eu", tier: "gold" } } },
      expect: "support-v1",
    },
    { name: "US user", context: { session: { metadata: { tenant: "us" } } }, expect: "support-us" },
    { name: "APAC user", context: { session: { metadata: { tenant: "apac" } } }, expect: "support-v1" },
    { name: "EU user 7", context: { session: { metadata: { tenant: "eu", user_id: "7" } } } },
  ],
});

export const key = alias.key;
