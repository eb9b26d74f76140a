variable "stage" {
  type    = string
  default = "canary-5"
}

# The same canary block a policy file's `canary:` holds; the result is a policy.
resource "agentalias_alias" "chat" {
  key  = "chat"
  name = "Chat assistant"
  policy = provider::agentalias::canary_policy({
    from         = "chat-v1"
    to           = "chat-v2"
    partition_by = "get('$.session.metadata.user_id', get('$.session.key'))"
    current      = var.stage
    stages = [
      { name = "canary-5", weights = [95, 5] },
      { name = "canary-50", weights = [50, 50] },
      { name = "complete", weights = [0, 100] },
    ]
  })
}
