/**
 * Rotating a credential under the real engine. The engine configures a provider from the
 * current stack config only when the program runs; `refresh` and `destroy` otherwise reuse
 * the settings stored with the provider at the last `up`. So after an `up` that failed with a
 * wrong `agent-alias:clientSecret`, the right one reaches `refresh` and `destroy` only with
 * `--run-program` (or after an `up`), and the refusal says so.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ROTATION_HINT } from "../../src/provider/errors.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { TestStack } from "../helpers/pulumi.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const OWNER = "rotation-owner-key";
const RIGHT = "rotation-right-secret-31c9";
const WRONG = "rotation-wrong-secret-8e07";

describe("rotating an OAuth client secret", () => {
  let emu: TestEmulator;
  let stack: TestStack;
  const alias = () => emu.call("GET", "/v2/agent_aliases/rotation", undefined, { "x-api-key": OWNER });

  beforeAll(async () => {
    emu = await startTestEmulator({ apiKeys: [OWNER], oauthClients: [`ci-app=${RIGHT}=owner`] });
    for (const key of ["support-v1", "support-v2"])
      await emu.call("POST", "/v2/agents", { key, name: key }, { "x-api-key": OWNER });
    stack = new TestStack(`${REPO}examples/quickstart`, "rotation");
    await stack.init(
      {
        "agent-alias:apiUrl": emu.url,
        "agent-alias:clientId": "ci-app",
        "agent-alias:authUrl": `${emu.url}/oauth2/token`,
        aliasKey: "rotation",
      },
      { "agent-alias:clientSecret": RIGHT },
    );
  });
  afterAll(async () => {
    await stack?.run(["destroy", "--yes", "--run-program"]);
    await stack?.dispose();
    await emu?.close();
  });

  it("a wrong secret fails the up; once the right one is set, refresh and destroy reach it with --run-program", async () => {
    await stack.ok(["up", "--yes"]);
    expect((await alias()).status).toBe(200);

    await stack.ok(["config", "set", "--secret", "agent-alias:clientSecret", WRONG]);
    await stack.ok(["config", "set", "canaryStage", "canary-5"]);
    const failed = await stack.run(["up", "--yes"]);
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain("401 invalid_client");
    expect(failed.output).not.toContain(WRONG);

    await stack.ok(["config", "set", "--secret", "agent-alias:clientSecret", RIGHT]);
    // Without the program the engine configures the provider from what the failed up stored.
    const plain = await stack.run(["refresh", "--yes"]);
    expect(plain.code).not.toBe(0);
    expect(plain.output.replace(/\s+/g, " ")).toContain(ROTATION_HINT);

    await stack.ok(["refresh", "--yes", "--run-program"]);
    await stack.ok(["destroy", "--yes", "--run-program"]);
    expect((await alias()).status).toBe(404);
    expect(stack.stateText()).not.toContain(RIGHT);
    expect(stack.stateText()).not.toContain(WRONG);
  });
});
