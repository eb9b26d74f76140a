resource "agentalias_alias" "support" {
  key         = "support"
  name        = "Customer Support"
  description = "Stable public handle for the support agent"
  metadata    = { team = "cx" }
  policy = {
    type = "routed"
    rules = [
      {
        match   = "get('$.session.metadata.tenant') == 'eu'"
        targets = { type = "single", agent_key = "support-eu" }
      },
      {
        targets = {
          type         = "weighted"
          partition_by = "get('$.session.metadata.user_id', '')"
          options = [
            { agent_key = "support-v1", weight = 90 },
            { agent_key = "support-v2", weight = 10 },
          ]
        }
      },
    ]
  }
  # Resolved at every plan: a sample that reaches another agent fails the plan.
  samples = [
    { name = "EU user", context = { session = { metadata = { tenant = "eu" } } }, expect = "support-eu" },
  ]
}
