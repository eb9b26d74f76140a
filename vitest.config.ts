import { defineConfig } from "vitest/config";
import Sequencer from "./test/helpers/sequencer.js";

export default defineConfig({
  test: {
    globalSetup: ["test/helpers/global-setup.ts"],
    sequence: { sequencer: Sequencer },
    // Most files wait on child processes (pulumi, tofu, holds of a few seconds) far more than
    // they compute: two files at a time on two cores (vitest's default here would be one).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "all", include: ["test/**/*.test.ts"] } },
      // The Terraform door again, under HashiCorp Terraform: every file that runs a CLI (the
      // first project runs them under OpenTofu). The helper picks the CLI by this variable.
      {
        extends: true,
        test: {
          name: "terraform",
          include: ["test/terraform/**/*.test.ts"],
          exclude: ["test/terraform/{schema,wire,registry-docs}.test.ts"],
          env: { AGENT_ALIAS_TF_CLI: "terraform" },
        },
      },
    ],
    server: {
      deps: {
        // The built package is loaded by Node as it is: the Pulumi closure serializer must see
        // the real `import()` calls, not vitest's rewrite of them.
        external: [/\/dist\//],
      },
    },
  },
});
