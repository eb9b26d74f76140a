# Quick start: one alias in front of two versions of the support agent.
# stage = "baseline" routes everyone to support-v1; a canary stage (canary-5, canary-20,
# canary-50, complete) splits users, sticky per user, between support-v1 and support-v2
# (tofu apply -var stage=canary-20): the plan shows the two weights that change.
terraform {
  required_providers {
    agentalias = {
      source  = "agent-alias/agentalias"
      version = ">= 0.1.0"
    }
  }
}

# api_url and api_key fall back to AGENT_ALIAS_API_URL and VECTARA_API_KEY.
provider "agentalias" {}

variable "stage" {
  type    = string
  default = "baseline"
}

variable "alias_key" {
  type    = string
  default = "support"
}

resource "agentalias_alias" "support" {
  key         = var.alias_key
  name        = "Customer Support"
  description = "Stable public handle for the support agent"
  metadata    = { team = "cx" }
  policy = provider::agentalias::canary_policy({
    from         = "support-v1"
    to           = "support-v2"
    partition_by = "get('$.session.metadata.user_id', get('$.session.key'))"
    current      = var.stage
  })
  samples = [
    { name = "user u-1", context = { session = { metadata = { user_id = "u-1" } } } },
    { name = "user u-2", context = { session = { metadata = { user_id = "u-2" } } } },
  ]
}

output "key" {
  value = agentalias_alias.support.key
}

output "created_at" {
  value = agentalias_alias.support.created_at
}
