/**
 * `npm run test:unit`: the tests of the pure layers, in seconds and with no build: the
 * language, the policy core, the wire contract, the client (against an in-process emulator),
 * the provider's check and diff, the rollout loop's units (a simulated world, no Pulumi) and
 * the CLI commands run in-process. Everything that runs the built CLI, a provider process,
 * the Pulumi CLI or a packed package stays in `npm test` alone.
 */
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaces the suite's list (mergeConfig would add to it).
    include: [
      "test/userfn/**/*.test.ts",
      "test/policy/**/*.test.ts",
      "test/contract/**/*.test.ts",
      "test/client/**/*.test.ts",
      "test/fixtures/vectors-drift.test.ts",
      "test/scripts/**/*.test.ts",
      "test/provider/{alias-fields,check,diff}.test.ts",
      "test/rollout/{cohort,engine-output,gates,record,runner-reads,runner-recovery,start-stage,trace-window}.test.ts",
      "test/cli/{contract-exit-codes,hostile-input,review,review-canary}.test.ts",
    ],
  },
});
