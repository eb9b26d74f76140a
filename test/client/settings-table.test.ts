/**
 * The connection settings table (src/client/settings.ts) and every consumer of it: the client's
 * environment fallbacks, the dynamic provider's stack config keys, the native plugin's schema
 * and CheckConfig, and the rollout's reading of the stack config (its flags and keys). Each
 * test enumerates the table, so a consumer that misses an entry fails here.
 */
import { describe, expect, it } from "vitest";
import { COMMAND_FLAGS, settingFlag } from "../../src/cli/args.js";
import { ROLLOUT_HELP } from "../../src/cli/rollout.js";
import { resolveOptions } from "../../src/client/options.js";
import { clientOptionsOf, configKey, SETTING_NAMES, SETTINGS, settings } from "../../src/client/settings.js";
import { CONFIG_NAMES, checkConfig, connectionFrom, SECRET_CONFIG } from "../../src/native/config.js";
import { packageSchema } from "../../src/native/schema.js";
import { isSecret } from "../../src/native/struct.js";
import { apiClient, CONFIG_KEYS, configureConnection, setConnection } from "../../src/provider/connection.js";
import { PROVIDER_API_KEYS } from "../../src/rollout/stack.js";

type Variables = Record<
  string,
  { type?: string; secret?: boolean; description?: string; defaultInfo?: unknown }
>;
const schema = packageSchema("0.0.0") as {
  config: { variables: Variables };
  provider: { inputProperties: Variables };
};

describe("the settings table", () => {
  it("names each setting once, with an environment variable and a client option of its own", () => {
    const envs = settings().map(([, s]) => s.env);
    const options = settings().map(([, s]) => s.option);
    expect(new Set(envs).size).toBe(envs.length);
    expect(new Set(options).size).toBe(options.length);
    expect(SETTING_NAMES).toEqual(Object.keys(SETTINGS));
  });

  it.each(SETTING_NAMES)("%s: the client falls back to its variable", (name) => {
    const s = SETTINGS[name];
    const value = s.url ? "https://example.test/x" : `value-of-${name}`;
    // The OAuth halves are read together: give both so the one under test is used.
    const env: Record<string, string> = { [s.env]: value };
    if (name === "clientId" || name === "clientSecret" || name === "authUrl")
      Object.assign(env, { VECTARA_CLIENT_ID: "id", VECTARA_CLIENT_SECRET: "secret", [s.env]: value });
    const o = resolveOptions({ env });
    const c = o.credentials as Record<string, unknown>;
    const seen = name === "apiUrl" ? o.baseUrl : c[s.option === "tokenUrl" ? "tokenUrl" : s.option];
    expect(seen).toBe(value);
  });

  it.each(SETTING_NAMES)("%s: a given value becomes its client option", (name) => {
    expect(clientOptionsOf({ [name]: "v" })).toEqual({ [SETTINGS[name].option]: "v" });
  });
});

describe("the dynamic provider", () => {
  it("reads one stack config key per setting, agent-alias:<name>", () => {
    expect(Object.keys(CONFIG_KEYS)).toEqual(SETTING_NAMES);
    for (const name of SETTING_NAMES) expect(CONFIG_KEYS[name]).toBe(`agent-alias:${name}`);
  });

  it("hands each configured setting to its client", () => {
    const values: Record<string, string> = {
      "agent-alias:apiUrl": "http://127.0.0.1:9",
      "agent-alias:clientId": "id",
      "agent-alias:clientSecret": "shh",
      "agent-alias:authUrl": "http://127.0.0.1:9/token",
    };
    // Every key of the table but the API key (it would win over the OAuth client).
    expect(Object.keys(values).sort()).toEqual(
      SETTING_NAMES.filter((n) => n !== "apiKey")
        .map(configKey)
        .sort(),
    );
    configureConnection({ get: (key) => values[key] });
    const { baseUrl, credentials } = apiClient().options;
    expect(baseUrl).toBe("http://127.0.0.1:9");
    expect(credentials).toMatchObject({
      kind: "oauth",
      clientId: "id",
      tokenUrl: "http://127.0.0.1:9/token",
    });
    configureConnection({ get: (key) => (key === "agent-alias:apiKey" ? "k" : undefined) });
    expect(apiClient().options.credentials).toEqual({ kind: "api_key", apiKey: "k" });
    setConnection({});
  });
});

describe("the native plugin", () => {
  it.each(SETTING_NAMES)(
    "%s: in the schema's config and the provider's inputs, secret as the table says",
    (name) => {
      const s = SETTINGS[name];
      for (const spec of [schema.config.variables[name], schema.provider.inputProperties[name]]) {
        expect(spec).toBeDefined();
        expect(spec!.type).toBe("string");
        expect(spec!.secret === true).toBe(s.secret);
        expect(spec!.defaultInfo).toEqual({ environment: [s.env] });
        expect(spec!.description).toContain(s.doc);
      }
    },
  );

  it("takes exactly the table's settings, and marks the secret ones", () => {
    expect(Object.keys(schema.config.variables)).toEqual(SETTING_NAMES);
    expect(CONFIG_NAMES).toEqual(SETTING_NAMES);
    expect([...SECRET_CONFIG]).toEqual(SETTING_NAMES.filter((n) => SETTINGS[n].secret));
    const props = Object.fromEntries(SETTING_NAMES.map((n) => [n, SETTINGS[n].url ? "https://x.test" : "v"]));
    const { inputs, failures } = checkConfig(props);
    expect(failures).toEqual([]);
    for (const name of SETTING_NAMES) expect(isSecret(inputs[name])).toBe(SETTINGS[name].secret);
  });

  it.each(SETTING_NAMES)("%s: Configure reads it from args and from the legacy variables", (name) => {
    expect(connectionFrom({ [name]: "a" }, new Map())).toEqual({ [name]: "a" });
    expect(connectionFrom(undefined, new Map([[`agent-alias:config:${name}`, "b"]]))).toEqual({
      [name]: "b",
    });
  });

  it.each(SETTING_NAMES.filter((n) => SETTINGS[n].url))(
    "%s: a URL setting refuses what is not http(s)",
    (name) => {
      expect(checkConfig({ [name]: "ftp://x" }).failures).toEqual([
        {
          property: name,
          reason: `${name} must be an http(s) URL such as https://api.example.com, got "ftp://x"`,
        },
      ]);
    },
  );

  it.each(SETTING_NAMES.filter((n) => SETTINGS[n].secret))(
    "%s: a secret setting's value is never shown",
    (name) => {
      const [failure] = checkConfig({ [name]: 12345 }).failures;
      expect(failure?.reason).toBe(`${name} must be a string`);
    },
  );
});

describe("the rollout", () => {
  it("reads each setting from the provider's key by default, or from the key its flag names", () => {
    expect(PROVIDER_API_KEYS).toEqual(Object.fromEntries(SETTING_NAMES.map((n) => [n, configKey(n)])));
    for (const name of SETTING_NAMES) {
      const flag = settingFlag(name);
      expect(COMMAND_FLAGS.rollout).toHaveProperty([flag], { type: "string" });
      expect(ROLLOUT_HELP).toContain(`--${flag} KEY`);
      expect(ROLLOUT_HELP).toContain(configKey(name));
      expect(ROLLOUT_HELP).toContain(SETTINGS[name].env);
    }
    expect(settingFlag("apiUrl")).toBe("api-url-config");
    expect(settingFlag("clientSecret")).toBe("client-secret-config");
  });
});
