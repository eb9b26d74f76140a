/**
 * The benchmark programs of the engine benchmarks, each declaring the aliases of
 * test/fixtures/programs/many-aliases: alias `i` has key `<prefix>-<i>`, name `Alias <i>`,
 * metadata `{index: i}` and the policy engine.mjs's benchPolicyOf(i) gives, no samples. The
 * native benchmark runs the Pulumi YAML program (engine.mjs), the Terraform benchmark the YAML
 * program and the HCL one side by side.
 */
import { BENCH_AGENTS as AGENTS, nativeYamlProgram as yamlProgram } from "./engine.mjs";

export { AGENTS, yamlProgram };

/** main.tf of the same aliases for the Terraform/OpenTofu provider (policyOf written in HCL). */
export function hclProgram(count, prefix) {
  return `terraform {
  required_providers {
    agentalias = { source = "agent-alias/agentalias" }
  }
}

provider "agentalias" {}

resource "agentalias_alias" "alias" {
  count    = ${count}
  key      = "${prefix}-\${count.index}"
  name     = "Alias \${count.index}"
  metadata = { index = count.index }
  policy = {
    type = "routed"
    rules = [{
      targets = {
        type         = "weighted"
        partition_by = "get('$.session.metadata.user_id', get('$.session.key'))"
        options = [
          { agent_key = "${AGENTS[0]}", weight = 100 - (10 + (count.index % 8) * 10) },
          { agent_key = "${AGENTS[1]}", weight = 10 + (count.index % 8) * 10 },
        ]
      }
    }]
  }
}
`;
}
