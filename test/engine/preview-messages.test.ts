/**
 * What `pulumi preview` says, through both doors, with the real CLI: a failed check reads
 * like the command's (`<path>: <the API's message>`, no dump of the input's value); a
 * misspelt function or field gets "did you mean"; a preview that cannot reach the API to
 * check the agents passes with a warning naming the URL; and each sample's route is logged
 * (`sample 'eu' -> p-v2 (rule #1)`), by the native provider as by the dynamic resources.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { canary } from "../helpers/policies.js";
import { TestStack } from "../helpers/pulumi.js";
import { YamlProgram } from "../helpers/yaml-program.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

let emu: TestEmulator;
/** A port nothing listens on. */
let closedPort: number;

beforeAll(async () => {
  emu = await startTestEmulator();
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
  for (const key of ["p-v1", "p-v2"]) await api.createAgent({ key, name: key });
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
});
afterAll(() => emu?.close());

interface Door {
  stack: TestStack;
  /** What refuses a misspelt field: our check, or (YAML) the language's own schema check first. */
  fieldTypo: RegExp;
  /** Makes the program declare this one alias. */
  declare(alias: Record<string, unknown>): Promise<void>;
  dispose(): Promise<void>;
}

const DOORS: Record<string, () => Promise<Door>> = {
  "TypeScript (dynamic resources)": async () => {
    const stack = new TestStack(`${REPO}test/fixtures/programs/alias-from-config`, "messages");
    await stack.init({ "agent-alias:apiUrl": emu.url }, { "agent-alias:apiKey": emu.apiKey });
    return {
      stack,
      fieldTypo: /has a problem: samples\[0\]\.expcet: unknown field 'expcet'; did you mean 'expect'\?/,
      declare: async (alias) => void (await stack.ok(["config", "set", "alias", JSON.stringify(alias)])),
      dispose: () => stack.dispose(),
    };
  },
  "YAML (native provider)": async () => {
    const program = new YamlProgram("messages-native");
    const stack = new TestStack(program.dir, "messages");
    program.write({});
    await stack.init({ "agent-alias:apiUrl": emu.url }, { "agent-alias:apiKey": emu.apiKey });
    return {
      stack,
      // Pulumi YAML checks properties against the provider's schema before the provider sees them.
      fieldTypo: /Property expcet does not exist on 'agent-alias:index:Sample'/,
      declare: async (alias) => program.write({ subject: YamlProgram.alias(alias) }),
      dispose: async () => {
        await stack.dispose();
        program.remove();
      },
    };
  },
};

describe.each(Object.keys(DOORS))("%s: pulumi preview", (doorName) => {
  let door: Door;
  beforeAll(async () => {
    door = await DOORS[doorName]!();
  });
  afterAll(() => door?.dispose());

  const preview = async (alias: Record<string, unknown>) => {
    await door.declare(alias);
    return door.stack.run(["preview"]);
  };

  it("a failed check names the path and gives the API's message, without the input's value", async () => {
    const r = await preview({ key: "msg", name: "Msg", policy: canary(90, 10, ["p-v1", "support-v9"]) });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("has a problem: policy: Alias references unknown agent(s): [support-v9]");
    expect(r.output).not.toMatch(/property \S+ value/);
    expect(r.output).not.toMatch(/map\[|\{"rules"/);
  });

  it("a misspelt function gets the nearest names of the language", async () => {
    const policy = canary(90, 10);
    policy.rules[0]!.match = "lowr(get('$.session.metadata.tenant')) == 'eu'";
    const r = await preview({ key: "msg", name: "Msg", policy });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      "has a problem: policy.rules[0].match: rule #1: match: unknown function 'lowr' at column 1; did you mean 'log'?",
    );
  });

  it("a misspelt sample field is refused, naming it (and, from our check, the field it meant)", async () => {
    const r = await preview({
      key: "msg",
      name: "Msg",
      policy: canary(90, 10),
      samples: [{ name: "eu", context: { session: {} }, expcet: "p-v1" }],
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(door.fieldTypo);
  });

  it("each sample's route is logged", async () => {
    const r = await preview({
      key: "msg",
      name: "Msg",
      policy: canary(90, 10),
      samples: [{ name: "eu", context: { session: { metadata: { tenant: "eu" } } } }],
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("sample 'eu' -> p-v2 (rule #1)");
  });

  it("an API it cannot reach to check the agents is a warning naming the URL, not silence", async () => {
    const url = `http://127.0.0.1:${closedPort}`;
    await door.stack.ok(["config", "set", "agent-alias:apiUrl", url]);
    try {
      const r = await preview({ key: "msg", name: "Msg", policy: canary(90, 10) });
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(
        new RegExp(
          `warning: agents not checked: the API at ${url} did not answer \\(.+\\); this preview could not tell whether p-v2, p-v1 exist`,
        ),
      );
    } finally {
      await door.stack.ok(["config", "set", "agent-alias:apiUrl", emu.url]);
    }
  });
});
