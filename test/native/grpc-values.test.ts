import { describe, expect, it } from "vitest";
import { rewrap, secret, unwrap, withoutNulls } from "../../src/native/struct.js";
import { secret as pulumiSecret } from "../helpers/plugin.js";

// The plugin's secret bookkeeping at the gRPC edge (src/native/struct.ts): every wrapper
// removed on the way in, put back at the same place on the way out.
describe("secret wrappers", () => {
  it("are Pulumi's own", () => {
    expect(secret("x")).toEqual(pulumiSecret("x"));
  });

  it("unwrap removes every wrapper and remembers its path; a secret inside a secret counts once", () => {
    const { props, secrets } = unwrap({
      apiKey: secret("k"),
      metadata: { team: "a", token: secret("t") },
      samples: [{ context: secret({ user: secret("u") }) }],
    });
    expect(props).toEqual({
      apiKey: "k",
      metadata: { team: "a", token: "t" },
      samples: [{ context: { user: "u" } }],
    });
    expect(secrets).toEqual([["apiKey"], ["metadata", "token"], ["samples", 0, "context"]]);
  });

  it("rewrap puts them back at the same paths, leaving the input untouched", () => {
    const outs = { apiKey: "k", metadata: { team: "a", token: "t" }, createdAt: "now" };
    const wrapped = rewrap(outs, [["apiKey"], ["metadata", "token"]]);
    expect(wrapped).toEqual({
      apiKey: secret("k"),
      metadata: { team: "a", token: secret("t") },
      createdAt: "now",
    });
    expect(outs.apiKey).toBe("k");
  });

  it("a path that no longer exists marks the deepest part that does; a property gone marks nothing", () => {
    const outs = { samples: [{ context: {} }], metadata: "flattened" };
    expect(
      rewrap(outs, [
        ["samples", 3, "context"],
        ["metadata", "token"],
        ["gone", "x"],
      ]),
    ).toEqual({ samples: secret([{ context: {} }]), metadata: secret("flattened") });
  });

  it("rewrap does not wrap twice", () => {
    expect(rewrap({ a: { b: 1 } }, [["a"], ["a", "b"]])).toEqual({ a: secret({ b: 1 }) });
  });

  it("top-level nulls read as absent", () => {
    expect(withoutNulls({ a: null, b: 0, c: "" })).toEqual({ b: 0, c: "" });
  });
});
