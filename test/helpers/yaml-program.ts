/**
 * A Pulumi YAML program in a temporary folder, using the native provider plugin of this
 * checkout (bin/): `write(resources)` replaces its resources, so one stack can preview
 * several versions of a program. YAML is a superset of JSON, so the file is written as JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";

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

  /** An agent-alias:index:Alias resource with these properties. */
  static alias(properties: Record<string, unknown>): Record<string, unknown> {
    return { type: "agent-alias:index:Alias", properties };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
