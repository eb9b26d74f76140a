/**
 * The benchmark programs of the engine benchmarks, each declaring the aliases of
 * test/fixtures/programs/many-aliases: alias `i` has key `<prefix>-<i>`, name `Alias <i>`,
 * metadata `{index: i}` and policyOf(i), no samples. The native benchmark runs the Pulumi
 * YAML program, the Terraform benchmark the YAML program and the HCL one side by side.
 */
import { join } from "node:path";
import { stringify } from "yaml";
import { REPO } from "./engine.mjs";

/** The two agents the policies split between. */
export const AGENTS = ["agent-a", "agent-b"];

/** The policy alias `i` declares: many-aliases' `policyOf` with no `changeIndex`. */
export function policyOf(i) {
  const share = 10 + (i % 8) * 10;
  return {
    type: "routed",
    rules: [
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.metadata.user_id', get('$.session.key'))",
          options: [
            { agent_key: AGENTS[0], weight: 100 - share },
            { agent_key: AGENTS[1], weight: share },
          ],
        },
      },
    ],
  };
}

/** Pulumi.yaml of the native program: many-aliases' resources, written out. */
export function yamlProgram(count, prefix) {
  const resources = {};
  for (let i = 0; i < count; i++) {
    resources[`alias-${i}`] = {
      type: "agent-alias:index:Alias",
      properties: { key: `${prefix}-${i}`, name: `Alias ${i}`, metadata: { index: i }, policy: policyOf(i) },
    };
  }
  return stringify({
    name: "native-many-aliases",
    runtime: "yaml",
    description: `Benchmark program (bench/native.bench.mjs): ${count} aliases through the native agent-alias provider, as test/fixtures/programs/many-aliases declares them.`,
    plugins: { providers: [{ name: "agent-alias", path: join(REPO, "bin") }] },
    resources,
    outputs: { aliasCount: count },
  });
}

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
