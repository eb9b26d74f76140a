/**
 * Drift shows at property level in `pulumi preview --diff`, through both doors, with the real
 * CLI: an alias renamed by hand, then `pulumi refresh` and `pulumi preview --diff`, shows
 * `name: "Renamed by hand" => "Chat assistant"` (the value the API has, then the program's),
 * before the next `up` puts the program's name back. Read returns the inputs as the API has
 * them, and the engine diffs the program's inputs against those.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { canary } from "../helpers/policies.js";
import { TestStack } from "../helpers/pulumi.js";
import { YamlProgram } from "../helpers/yaml-program.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

let emu: TestEmulator;
let api: AgentAliasClient;

beforeAll(async () => {
  emu = await startTestEmulator();
  api = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
  for (const key of ["p-v1", "p-v2"]) await api.createAgent({ key, name: key });
});
afterAll(() => emu?.close());

const alias = (key: string) => ({
  key,
  name: "Chat assistant",
  policy: canary(90, 10),
  samples: [{ name: "eu", context: { session: { metadata: { tenant: "eu" } } } }],
});

/** up, rename by hand, refresh, preview --diff (returned), up; the name is the program's again. */
async function renamedByHand(stack: TestStack, key: string): Promise<string> {
  await stack.ok(["up", "--yes"]);
  await api.patchAlias(key, { name: "Renamed by hand" });
  await stack.ok(["refresh", "--yes"]);
  const diff = await stack.ok(["preview", "--diff"]);
  await stack.ok(["up", "--yes"]);
  expect((await api.getAlias(key)).name).toBe("Chat assistant");
  return diff.output;
}

describe("preview --diff after a refresh shows the hand-made value", () => {
  // Two stacks, two aliases: side by side.
  it.concurrent("TypeScript (dynamic resources)", async () => {
    const stack = new TestStack(`${REPO}test/fixtures/programs/alias-from-config`, "drift");
    try {
      await stack.init(
        { "agent-alias:apiUrl": emu.url, alias: JSON.stringify(alias("drift-dynamic")) },
        { "agent-alias:apiKey": emu.apiKey },
      );
      const diff = await renamedByHand(stack, "drift-dynamic");
      expect(diff).toMatch(/~ name\s*: "Renamed by hand" => "Chat assistant"/);
      // Only what drifted is marked: the policy and the samples are as the program has them.
      expect(diff).not.toMatch(/[~+-] (policy|samples|description|metadata|enabled)\s*:/);
    } finally {
      await stack.dispose();
    }
  });

  it.concurrent("YAML (native provider)", async () => {
    const program = new YamlProgram("drift-native");
    program.write({ subject: YamlProgram.alias(alias("drift-native")) });
    const stack = new TestStack(program.dir, "drift");
    try {
      await stack.init({ "agent-alias:apiUrl": emu.url }, { "agent-alias:apiKey": emu.apiKey });
      const diff = await renamedByHand(stack, "drift-native");
      expect(diff).toMatch(/~ name\s*: "Renamed by hand" => "Chat assistant"/);
      expect(diff).not.toMatch(/"Chat assistant" => "Chat assistant"/);
      expect(diff).not.toMatch(/[~+-] (policy|samples|description|metadata|enabled)\s*:/);
    } finally {
      await stack.dispose();
      program.remove();
    }
  });
});
