/**
 * The CLI this project's Terraform tests drive is the one pinned: OpenTofu in the first test
 * project, HashiCorp Terraform in the `terraform` project (vitest.config.ts), both built by
 * scripts/setup-tofu.sh. A run that silently fell back to the other CLI fails here.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { TERRAFORM_VERSION, TF_CLI, TOFU_VERSION } from "../helpers/tofu.js";

describe("the Terraform CLI under test", () => {
  it("is the pinned build of the CLI this project names", () => {
    const first = execFileSync(TF_CLI.bin, ["version"], {
      encoding: "utf8",
      env: { ...process.env, CHECKPOINT_DISABLE: "1" },
    }).split("\n")[0];
    const expected =
      process.env.AGENT_ALIAS_TF_CLI === "terraform"
        ? `Terraform v${TERRAFORM_VERSION}`
        : `OpenTofu v${TOFU_VERSION}`;
    expect(first).toBe(expected);
  });

  it("the setup script builds the versions the tests pin", () => {
    const script = readFileSync(join(REPO, "scripts/setup-tofu.sh"), "utf8");
    expect(script).toContain(`TOFU_VERSION=${TOFU_VERSION}\n`);
    expect(script).toContain(`TERRAFORM_VERSION=${TERRAFORM_VERSION}\n`);
  });
});
