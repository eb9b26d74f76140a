import { defineConfig } from "vitest/config";
import Sequencer from "./test/helpers/sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    sequence: { sequencer: Sequencer },
    // Most files wait on child processes (pulumi, tofu, holds of a few seconds) far more than
    // they compute: two files at a time on two cores (vitest's default here would be one).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    server: {
      deps: {
        // The built package is loaded by Node as it is: the Pulumi closure serializer must see
        // the real `import()` calls, not vitest's rewrite of them.
        external: [/\/dist\//],
      },
    },
  },
});
