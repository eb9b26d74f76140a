terraform {
  required_providers {
    agentalias = {
      source  = "agent-alias/agentalias"
      version = ">= 0.1.0"
    }
  }
}

# Every setting may come from the environment instead: AGENT_ALIAS_API_URL,
# VECTARA_API_KEY, VECTARA_CLIENT_ID, VECTARA_CLIENT_SECRET, VECTARA_AUTH_URL.
provider "agentalias" {
  api_url = "https://api.vectara.io"
  api_key = var.vectara_api_key
}

variable "vectara_api_key" {
  type      = string
  sensitive = true
}
