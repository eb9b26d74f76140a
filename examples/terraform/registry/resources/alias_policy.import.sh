# By the alias key: the policy the alias has now is kept as the one to restore on destroy.
tofu import agentalias_alias_policy.support support
