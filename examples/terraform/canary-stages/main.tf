# A canary rollout as a stage table. Moving it on is one variable:
#   tofu apply -var stage=canary-50
# Each step moves users only from chat-v1 to chat-v2 (weighted rendezvous hashing), and the
# plan shows exactly the weights that change.
terraform {
  required_providers {
    agentalias = {
      source  = "agent-alias/agentalias"
      version = ">= 0.1.0"
    }
  }
}

provider "agentalias" {}

variable "stage" {
  type        = string
  description = "The stage in force: canary-5, canary-20, canary-50 or complete."
}

variable "alias_key" {
  type    = string
  default = "chat"
}

resource "agentalias_alias" "chat" {
  key  = var.alias_key
  name = "Chat assistant"
  policy = provider::agentalias::canary_policy({
    from         = "chat-v1"
    to           = "chat-v2"
    partition_by = "get('$.session.metadata.user_id', get('$.session.key'))"
    current      = var.stage
    stages = [
      { name = "canary-5", weights = [95, 5] },
      { name = "canary-20", weights = [80, 20] },
      { name = "canary-50", weights = [50, 50] },
      { name = "complete", weights = [0, 100] },
    ]
  })
  samples = [{ name = "user 42", context = { session = { metadata = { user_id = "42" } } } }]
}

output "weights" {
  value = agentalias_alias.chat.policy.rules[0].targets.options[*].weight
}
