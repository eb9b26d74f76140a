import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { canary } from "../helpers/policies.js";
import { TestStack } from "../helpers/pulumi.js";

// Real `pulumi` runs: each command takes 5-30 s here, more on a loaded machine.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

// `pulumi preview` under the real engine fails for a broken policy, naming the property and
// giving the API's message, before anything reaches the API.
const PROGRAM = `${REPO}test/fixtures/programs/alias-from-config`;
let emu: TestEmulator;
let stack: TestStack;

beforeAll(async () => {
  emu = await startTestEmulator();
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
  for (const key of ["p-v1", "p-v2"]) await api.createAgent({ key, name: key });
  stack = new TestStack(PROGRAM, "preview");
  await stack.init({ "agent-alias:apiUrl": emu.url }, { "agent-alias:apiKey": emu.apiKey });
});
afterAll(async () => {
  await stack?.dispose();
  await emu?.close();
});

const setAlias = (alias: unknown) => stack.ok(["config", "set", "alias", JSON.stringify(alias)]);

describe("pulumi preview with a broken policy", () => {
  it("an unreachable rule fails preview with the API's message and the property", async () => {
    await setAlias({
      key: "broken",
      name: "Broken",
      policy: {
        type: "routed",
        rules: [
          { targets: { type: "single", agent_key: "p-v1" } },
          {
            match: "get('$.session.metadata.tenant') == 'eu'",
            targets: { type: "single", agent_key: "p-v2" },
          },
        ],
      },
    });
    const r = await stack.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("policy.rules[1]");
    expect(r.output).toContain("rule #2 follows a catch-all rule and is unreachable");
    expect(await emu.call("GET", "/v2/agent_aliases/broken").then((x) => x.status)).toBe(404);
  });

  it("a bad expression fails preview naming the rule, field and column", async () => {
    await setAlias({
      key: "broken",
      name: "Broken",
      policy: {
        type: "routed",
        rules: [{ match: "lower('x') == 'y'", targets: { type: "single", agent_key: "p-v1" } }],
      },
    });
    const r = await stack.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("rule #1: match: unknown function 'lower' at column 1");
  });

  it("a sample that reaches the wrong agent fails preview naming the sample and both agents", async () => {
    await setAlias({
      key: "broken",
      name: "Broken",
      policy: canary(90, 10),
      samples: [{ name: "eu tenant", context: { session: { metadata: { tenant: "eu" } } }, expect: "p-v1" }],
    });
    const r = await stack.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("sample 'eu tenant' expected p-v1, got p-v2 (rule #1)");
  });

  it("an unknown agent fails preview with the API's message", async () => {
    await setAlias({ key: "broken", name: "Broken", policy: canary(90, 10, ["p-v1", "no-such-agent"]) });
    const r = await stack.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("Alias references unknown agent(s): [no-such-agent]");
  });

  it("a valid policy previews, showing where the samples go", async () => {
    await setAlias({
      key: "fine",
      name: "Fine",
      policy: canary(90, 10),
      samples: [{ name: "eu", context: { session: { metadata: { tenant: "eu" } } } }],
    });
    const r = await stack.ok(["preview"]);
    expect(r.output).toContain("sample 'eu' -> p-v2 (rule #1)");
  });
});
