/**
 * The door's wire rules on their own, no host: DynamicValue msgpack (unknowns of any
 * extension type, numbers in every form, dynamic pairs, the JSON fallback), go-plugin's
 * start-up rules (cookie, protocol versions, the handshake line), core paths as attribute
 * paths, and the provider's own refusal of state from a newer version.
 */
import { decode, ExtData, encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { STATE_VERSION } from "../../src/provider/index.js";
import { pathSteps, tfPath } from "../../src/terraform/diagnostics.js";
import {
  handshakeLine,
  MAGIC_COOKIE_KEY,
  MAGIC_COOKIE_VALUE,
  startProblem,
} from "../../src/terraform/handshake.js";
import { decodeValue, encodeValue } from "../../src/terraform/msgpack.js";
import { resourceOf, upgradeResource } from "../../src/terraform/resources.js";
import { type TfType, Typed, UNKNOWN } from "../../src/terraform/types.js";

const OBJ: TfType = ["object", { s: "string", n: "number", l: ["list", "number"], d: "dynamic" }];
const mp = (v: unknown) => ({ msgpack: Buffer.from(encode(v)) });

describe("DynamicValue as msgpack", () => {
  it("reads every extension type as unknown (0, and 12: a refined unknown), at any depth", () => {
    const v = decodeValue(
      mp({
        s: new ExtData(0, new Uint8Array([0])),
        n: 1,
        l: [new ExtData(12, new Uint8Array([1, 2]))],
        d: null,
      }),
      OBJ,
    );
    expect(v).toEqual({ s: UNKNOWN, n: 1, l: [UNKNOWN], d: null });
  });

  it("reads a number sent as an integer, a float or a decimal string", () => {
    const t: TfType = ["list", "number"];
    expect(decodeValue(mp([7, 2.5, "123456789012", "-0.125"]), t)).toEqual([7, 2.5, 123456789012, -0.125]);
  });

  it("reads and writes a dynamic value as [type JSON, value], and an object with every attribute", () => {
    const typed = new Typed(["object", { team: "string" }], { team: "cx" });
    const bytes = encodeValue({ s: "a", n: 1, l: [1, 2], d: typed }, OBJ).msgpack;
    const raw = decode(bytes) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(["d", "l", "n", "s"]);
    const [type, value] = raw.d as [Uint8Array, unknown];
    expect(JSON.parse(Buffer.from(type).toString())).toEqual(["object", { team: "string" }]);
    expect(value).toEqual({ team: "cx" });
    expect(decodeValue({ msgpack: bytes }, OBJ)).toEqual({ s: "a", n: 1, l: [1, 2], d: typed });
  });

  it("writes unknown as extension 0 and null as nil; absent attributes are written null", () => {
    const raw = decode(encodeValue({ s: UNKNOWN }, OBJ).msgpack) as Record<string, unknown>;
    expect(raw.s).toBeInstanceOf(ExtData);
    expect((raw.s as ExtData).type).toBe(0);
    expect(raw.n).toBeNull();
    expect(raw.d).toBeNull();
  });

  it("reads the JSON encoding too, a dynamic value as {value, type} or plain JSON", () => {
    const json = (v: unknown) => ({ json: Buffer.from(JSON.stringify(v)) });
    expect(
      decodeValue(json({ s: "a", n: "3", d: { value: [1], type: ["tuple", ["number"]] } }), OBJ),
    ).toEqual({
      s: "a",
      n: 3,
      l: null,
      d: new Typed(["tuple", ["number"]], [1]),
    });
    expect(decodeValue(json({ d: { team: "cx" } }), OBJ)).toMatchObject({
      d: new Typed(["object", { team: "string" }], { team: "cx" }),
    });
  });
});

describe("go-plugin start-up", () => {
  const env = { [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE };

  it("started without the magic cookie, says it is a plugin for terraform or tofu", () => {
    expect(startProblem({})).toMatch(
      /^terraform-provider-agentalias is a Terraform\/OpenTofu provider plugin: .* not meant to be run by hand/,
    );
    expect(startProblem({ [MAGIC_COOKIE_KEY]: "wrong" })).toBeDefined();
    expect(startProblem(env)).toBeUndefined();
  });

  it("serves protocol 6 when the host offers it, or when it says nothing; refuses a host of 5 only", () => {
    expect(startProblem({ ...env, PLUGIN_PROTOCOL_VERSIONS: "5,6" })).toBeUndefined();
    expect(startProblem({ ...env, PLUGIN_PROTOCOL_VERSIONS: "6" })).toBeUndefined();
    expect(startProblem({ ...env, PLUGIN_PROTOCOL_VERSIONS: "5" })).toBe(
      "terraform-provider-agentalias speaks plugin protocol 6, and this host offers 5: use Terraform 1.0 or later, or OpenTofu",
    );
  });

  it("prints core version 1, protocol 6, the socket, grpc, and the certificate's DER in base64 without padding", () => {
    const der = new Uint8Array([1, 2, 3, 4]); // base64 "AQIDBA==": padded
    expect(handshakeLine({ network: "unix", address: "/tmp/p.sock" }, der)).toBe(
      "1|6|unix|/tmp/p.sock|grpc|AQIDBA\n",
    );
    expect(handshakeLine({ network: "unix", address: "/tmp/p.sock" })).toBe("1|6|unix|/tmp/p.sock|grpc|\n");
  });
});

describe("paths and state versions", () => {
  it("a core path becomes attribute path steps, the top name in Terraform's spelling", () => {
    expect(pathSteps("policy.rules[1].targets.options[0].weight")).toEqual([
      { attribute_name: "policy" },
      { attribute_name: "rules" },
      { element_key_int: 1 },
      { attribute_name: "targets" },
      { attribute_name: "options" },
      { element_key_int: 0 },
      { attribute_name: "weight" },
    ]);
    expect(pathSteps("aliasKey")).toEqual([{ attribute_name: "alias_key" }]);
    expect(tfPath(pathSteps('metadata["a b"].x'))).toBe('metadata["a b"].x');
  });

  it("the provider refuses state of a schema version newer than its own, with a sentence", () => {
    expect(() =>
      upgradeResource(resourceOf("agentalias_alias"), STATE_VERSION + 1, Buffer.from("{}")),
    ).toThrow(
      `this state was written with schema version ${STATE_VERSION + 1} of agentalias_alias, newer than this provider's ${STATE_VERSION}: upgrade the provider`,
    );
  });
});
