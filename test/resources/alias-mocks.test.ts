import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { canary } from "../helpers/policies.js";

// Program-side behaviour of the resources under Pulumi's mocks: what they register with the
// engine, the outputs they expose, and the sample lines they log at preview.
interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state = {
          ...args.inputs,
          createdAt: "2026-01-01T00:00:00.000Z",
          updatedAt: "2026-01-01T00:00:00.000Z",
        };
        return { id: (args.inputs.key ?? args.inputs.aliasKey) as string, state };
      },
      call: (args) => args.inputs,
    },
    "proj",
    "dev",
    true,
  );
});
afterEach(() => {
  registered.length = 0;
  vi.restoreAllMocks();
});

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

describe("Alias under mocks", () => {
  it("registers a dynamic resource with its inputs, a serialized provider, and exposes outputs", async () => {
    const { Alias } = await import("../../dist/resources/index.js");
    const a = new Alias("support", { key: "support", name: "Support", policy: canary(90, 10) });
    expect(await value(a.key)).toBe("support");
    expect(await value(a.policy)).toEqual(canary(90, 10));
    expect(await value(a.createdAt)).toBe("2026-01-01T00:00:00.000Z");
    expect(await value(a.id)).toBe("support");
    const r = registered.find((x) => x.name === "support")!;
    expect(r.type).toBe("pulumi-nodejs:dynamic/agent-alias:Alias");
    expect(r.inputs).toMatchObject({ key: "support", name: "Support", policy: canary(90, 10) });
    expect(String(r.inputs.__provider)).toContain('await import("pulumi-agent-alias/provider")');
  });

  it("logs where each sample goes when the inputs are known", async () => {
    const lines: string[] = [];
    vi.spyOn(pulumi.log, "info").mockImplementation(async (msg: string) => {
      lines.push(msg);
    });
    const { Alias } = await import("../../dist/resources/index.js");
    const a = new Alias("logged", {
      key: "logged",
      name: "Logged",
      policy: canary(90, 10),
      samples: [
        { name: "eu tenant", context: { session: { metadata: { tenant: "eu" } } }, expect: "p-v2" },
        { name: "user 7", context: { session: { metadata: { user_id: "u-7" } } } },
        { name: "wrong", context: { session: { metadata: { tenant: "eu" } } }, expect: "p-v1" },
      ],
    });
    await value(a.urn);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toEqual([
      "sample 'eu tenant' -> p-v2 (rule #1)",
      expect.stringMatching(/^sample 'user 7' -> p-v[12] \(rule #2, weighted on "u-7"\)$/),
      "sample 'wrong' -> p-v2 (rule #1) (expected p-v1)",
    ]);
  });

  it("logs nothing for an invalid policy (check reports it) and nothing without samples", async () => {
    const spy = vi.spyOn(pulumi.log, "info").mockImplementation(async () => {});
    const { Alias } = await import("../../dist/resources/index.js");
    const bad = new Alias("bad", {
      key: "bad",
      name: "Bad",
      policy: { type: "routed", rules: [] },
      samples: [{ context: {} }],
    });
    const none = new Alias("none", { key: "none", name: "None", policy: canary(1, 1) });
    await Promise.all([value(bad.urn), value(none.urn)]);
    await new Promise((r) => setTimeout(r, 50));
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("secret inputs under mocks", () => {
  it("records which inputs were given as secrets (check never shows them), and logs samples without them", async () => {
    const lines: string[] = [];
    vi.spyOn(pulumi.log, "info").mockImplementation(async (msg: string) => {
      lines.push(msg);
    });
    const { Alias, AliasPolicy } = await import("../../dist/resources/index.js");
    const a = new Alias("hidden", {
      key: pulumi.secret("hidden"),
      name: "Hidden",
      metadata: { team: pulumi.secret("ZqTeamSecret") },
      policy: canary(90, 10),
      samples: pulumi.secret([
        { name: "ZqSampleName", context: { session: { metadata: { user_id: "ZqUserId01" } } } },
      ]),
    });
    const open = new Alias("open", { key: "open", name: "Open", policy: canary(90, 10) });
    const p = new AliasPolicy("hidden-policy", { aliasKey: "support", policy: pulumi.secret(canary(95, 5)) });
    await Promise.all([value(a.urn), value(open.urn), value(p.urn)]);
    await new Promise((r) => setTimeout(r, 50));
    const inputs = (name: string) => registered.find((x) => x.name === name)!.inputs;
    expect(inputs("hidden").__secrets).toEqual(["key", "metadata", "samples"]);
    expect(inputs("open").__secrets).toEqual([]);
    expect(inputs("hidden-policy").__secrets).toEqual(["policy"]);
    expect(lines).toEqual([
      expect.stringMatching(/^sample \[secret\] -> p-v[12] \(rule #2, weighted on \[secret\]\)$/),
    ]);
  });
});

describe("AliasPolicy under mocks", () => {
  it("registers its inputs and exposes previousPolicy", async () => {
    const { AliasPolicy } = await import("../../dist/resources/index.js");
    const p = new AliasPolicy("owned", { aliasKey: "support", policy: canary(95, 5) });
    expect(await value(p.aliasKey)).toBe("support");
    const r = registered.find((x) => x.name === "owned")!;
    expect(r.type).toBe("pulumi-nodejs:dynamic/agent-alias:AliasPolicy");
    expect(r.inputs).toMatchObject({ aliasKey: "support", policy: canary(95, 5) });
  });
});
