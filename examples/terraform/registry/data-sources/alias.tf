data "agentalias_alias" "support" {
  key = "support"
}

output "support_first_rule_agent" {
  value = data.agentalias_alias.support.policy.rules[0].targets.agent_key
}
