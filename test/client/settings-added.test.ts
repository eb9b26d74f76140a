/**
 * A setting added to the settings table alone reaches every consumer: the table module is
 * replaced by the real one with one more entry, and each consumer, loaded afresh, takes it.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";

const EXTRA = {
  env: "AGENT_ALIAS_EXTRA_TOKEN",
  secret: true,
  url: false,
  doc: "A setting only the table names.",
  option: "apiKey",
} as const;

beforeAll(() => {
  vi.resetModules();
  vi.doMock("../../src/client/settings.js", async (importOriginal) => {
    const actual = await importOriginal<typeof import("../../src/client/settings.js")>();
    // The table's helpers read SETTINGS when called; only the names are computed at load.
    (actual.SETTINGS as Record<string, unknown>).extraToken = EXTRA;
    return { ...actual, SETTING_NAMES: Object.keys(actual.SETTINGS) };
  });
});

describe("a setting added to the table alone", () => {
  it("is a config key of the dynamic provider", async () => {
    const { CONFIG_KEYS } = await import("../../src/provider/connection.js");
    expect(CONFIG_KEYS).toHaveProperty("extraToken", "agent-alias:extraToken");
  });

  it("is in the native schema's config and the provider's inputs, secret", async () => {
    const { packageSchema } = await import("../../src/native/schema.js");
    const s = packageSchema("0.0.0") as {
      config: { variables: Record<string, unknown> };
      provider: { inputProperties: Record<string, unknown> };
    };
    const expected = {
      type: "string",
      secret: true,
      description: `${EXTRA.doc} Falls back to ${EXTRA.env}.`,
      defaultInfo: { environment: [EXTRA.env] },
    };
    expect(s.config.variables.extraToken).toEqual(expected);
    expect(s.provider.inputProperties.extraToken).toEqual(expected);
  });

  it("is taken by CheckConfig (stored as a secret) and Configure", async () => {
    const { checkConfig, connectionFrom, SECRET_CONFIG } = await import("../../src/native/config.js");
    expect(SECRET_CONFIG.has("extraToken")).toBe(true);
    const { inputs, failures } = checkConfig({ extraToken: "x" });
    expect(failures).toEqual([]);
    expect(inputs.extraToken).toMatchObject({ value: "x" });
    expect(connectionFrom({ extraToken: "y" }, new Map())).toEqual({ extraToken: "y" });
  });

  it("is read by the rollout, from the provider's key or the key its flag names", async () => {
    const { PROVIDER_API_KEYS } = await import("../../src/rollout/stack.js");
    const { COMMAND_FLAGS } = await import("../../src/cli/args.js");
    const { ROLLOUT_HELP } = await import("../../src/cli/rollout.js");
    expect(PROVIDER_API_KEYS).toHaveProperty("extraToken", "agent-alias:extraToken");
    expect(COMMAND_FLAGS.rollout).toHaveProperty(["extra-token-config"], { type: "string" });
    expect(ROLLOUT_HELP).toContain("--extra-token-config KEY");
    expect(ROLLOUT_HELP).toContain(EXTRA.env);
  });
});
