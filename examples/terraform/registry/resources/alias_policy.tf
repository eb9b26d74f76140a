# The alias itself is managed elsewhere; this resource owns its policy and puts the previous
# one back when destroyed.
resource "agentalias_alias_policy" "support" {
  alias_key = "support"
  policy = provider::agentalias::canary_policy({
    from         = "support-v1"
    to           = "support-v2"
    partition_by = "get('$.session.metadata.user_id', '')"
    current      = "canary-20"
  })
}
