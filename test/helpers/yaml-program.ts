/**
 * A Pulumi YAML program in a temporary folder, using the native provider plugin of this
 * checkout (bin/): `write(resources)` replaces its resources, so one stack can preview
 * several versions of a program. YAML is a superset of JSON, so the file is written as JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";

/** A policy in the schema's names: `agent_key` -> `agentKey`, `partition_by` -> `partitionBy`. */
export const schemaNames = <T>(policy: T): T =>
  JSON.parse(
    JSON.stringify(policy)
      .replaceAll('"agent_key":', '"agentKey":')
      .replaceAll('"partition_by":', '"partitionBy":'),
  );

export class YamlProgram {
  readonly dir = mkdtempSync(join(tmpdir(), "agent-alias-yaml-"));

  constructor(readonly name: string) {}

  /** Writes Pulumi.yaml with these resources (and outputs). */
  write(resources: Record<string, unknown>, outputs: Record<string, string> = {}): void {
    const program = {
      name: this.name,
      runtime: "yaml",
      plugins: { providers: [{ name: "agent-alias", path: join(REPO, "bin") }] },
      resources,
      outputs,
    };
    writeFileSync(join(this.dir, "Pulumi.yaml"), `${JSON.stringify(program, null, 2)}\n`);
  }

  /**
   * An agent-alias:index:Alias resource with these properties, a policy given in the API's
   * names (`agent_key`, as the test policies write it) put in the schema's (`agentKey`), as a
   * YAML program writes it. Renamed here by hand, not by the plugin's mapping, so a wrong
   * mapping fails.
   */
  static alias(properties: Record<string, unknown>): Record<string, unknown> {
    const { policy, ...rest } = properties;
    return {
      type: "agent-alias:index:Alias",
      properties: policy === undefined ? rest : { ...rest, policy: schemaNames(policy) },
    };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
