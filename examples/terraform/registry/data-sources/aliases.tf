# Every enabled alias whose policy routes to support-v1.
data "agentalias_aliases" "on_support_v1" {
  enabled           = true
  aliased_agent_key = "support-v1"
}

output "aliases_on_support_v1" {
  value = data.agentalias_aliases.on_support_v1.aliases[*].key
}
