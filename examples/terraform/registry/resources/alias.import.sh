# By the alias key; or with an import block: import { to = agentalias_alias.support, id = "support" }
tofu import agentalias_alias.support support
