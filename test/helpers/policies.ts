/** Policies and inputs shared by provider and resource tests. */

export const canary = (v1: number, v2: number, agents: [string, string] = ["p-v1", "p-v2"]) => ({
  type: "routed" as const,
  rules: [
    {
      match: "get('$.session.metadata.tenant') == 'eu'",
      targets: { type: "single" as const, agent_key: agents[1] },
    },
    {
      targets: {
        type: "weighted" as const,
        partition_by: "get('$.session.metadata.user_id', '')",
        options: [
          { agent_key: agents[0], weight: v1 },
          { agent_key: agents[1], weight: v2 },
        ],
      },
    },
  ],
});

export const aliasInputs = (over: Record<string, unknown> = {}) => ({
  key: "p-alias",
  name: "Provider alias",
  policy: canary(90, 10),
  ...over,
});

/** The policy test/fixtures/programs/many-aliases declares for alias `i` (its index.ts computes the same). */
export function manyAliasesPolicy(i: number) {
  const share = 10 + (i % 8) * 10;
  return {
    type: "routed" as const,
    rules: [
      {
        targets: {
          type: "weighted" as const,
          partition_by: "get('$.session.metadata.user_id', get('$.session.key'))",
          options: [
            { agent_key: "agent-a", weight: 100 - share },
            { agent_key: "agent-b", weight: share },
          ],
        },
      },
    ],
  };
}
