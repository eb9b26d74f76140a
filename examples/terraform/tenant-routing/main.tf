# Tenants routed to their own agents; the EU tenant canaries a new agent version while
# everyone else is routed directly. Gold-tier sessions stay pinned to the stable agent.
terraform {
  required_providers {
    agentalias = {
      source  = "agent-alias/agentalias"
      version = ">= 0.1.0"
    }
  }
}

provider "agentalias" {}

variable "eu_stage" {
  type    = string
  default = "canary-5"
}

variable "alias_key" {
  type    = string
  default = "tenants"
}

resource "agentalias_alias" "tenants" {
  key  = var.alias_key
  name = "Support by tenant"
  policy = provider::agentalias::canary_policy({
    before = [
      {
        match   = "get('$.session.metadata.tier', 'free') == 'gold'"
        targets = { type = "single", agent_key = "support-v1" }
      },
      {
        match   = "get('$.session.metadata.tenant') == 'us'"
        targets = { type = "single", agent_key = "support-us" }
      },
    ]
    match        = "get('$.session.metadata.tenant') == 'eu'"
    from         = "support-v1"
    to           = "support-v2"
    partition_by = "get('$.session.metadata.user_id', get('$.session.key'))"
    current      = var.eu_stage
    others       = "support-v1"
  })
  samples = [
    { name = "gold EU user", context = { session = { metadata = { tenant = "eu", tier = "gold" } } }, expect = "support-v1" },
    { name = "US user", context = { session = { metadata = { tenant = "us" } } }, expect = "support-us" },
    { name = "APAC user", context = { session = { metadata = { tenant = "apac" } } }, expect = "support-v1" },
    { name = "EU user 7", context = { session = { metadata = { tenant = "eu", user_id = "7" } } } },
  ]
}

# Who reads the alias from elsewhere: the data source sees what the API serves.
data "agentalias_aliases" "routing_to_us" {
  aliased_agent_key = "support-us"
  depends_on        = [agentalias_alias.tenants]
}

output "aliases_routing_to_support_us" {
  value = data.agentalias_aliases.routing_to_us.aliases[*].key
}
