import { describe, expect, it } from "vitest";
import { diagnose, parsePath } from "../../src/userfn/index.js";
import { ev } from "../helpers/eval.js";

describe("definite paths", () => {
  it.each([
    ["$", []],
    ["$.session.key", ["session", "key"]],
    ["$['odd key'][1]", ["odd key", 1]],
    ['$["it\'s"]', ["it's"]],
    ["$['1']", ["1"]],
    ["$[1]", [1]],
    ["$.user-id", ["user-id"]],
    ["$['a\\'b']", ["a'b"]],
    ["$['*']", ["*"]],
  ])("%s -> %j", (path, steps) => {
    expect(parsePath(path)).toEqual(steps);
  });

  it.each([
    ["$..x", "recursive descent '..' is not a definite path"],
    ["$.a[*]", "wildcard '[*]' is not a definite path"],
    ["$.a.*", "wildcard '.*' is not a definite path"],
    ["$.a[?(@.x)]", "filters are not a definite path"],
    ["$.a[1:2]", "slices are not a definite path"],
    ["$.a[0,1]", "unions are not a definite path"],
    ["$.a['x','y']", "unions are not a definite path"],
    ["$.a[-1]", "negative indexes are not supported"],
    ["$.a[(@.length-1)]", "script expressions are not supported"],
    ["session.key", "path must start with '$'"],
    ["$.", "expected a member name after '.'"],
    ["$.a[1", "unclosed '['"],
    ["$['a", "unterminated quoted name"],
    ["$.a b", "unexpected ' '; steps are .name, ['name'] or [n]"],
  ])("%s is rejected: %s", (path, message) => {
    expect(() => parsePath(path)).toThrow(message);
    expect(diagnose(`get('${path.replaceAll("'", "''")}')`)[0]?.code).toBe("invalid_path");
  });

  it("a name step reads only objects and an index step only arrays", () => {
    const ctx = { o: { "0": "name-zero" }, a: ["index-zero"] };
    expect(ev("get('$.o[''0'']')", ctx).value).toBe("name-zero");
    expect(ev("get('$.o[0]')", ctx).value).toBe(null);
    expect(ev("get('$.a[0]')", ctx).value).toBe("index-zero");
    expect(ev("get('$.a[''0'']')", ctx).value).toBe(null);
    expect(ev("get('$.a.length')", ctx).value).toBe(null);
    expect(ev("get('$.a[5]', 'dflt')", ctx).value).toBe("dflt");
  });

  it.each(["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"])(
    "%s reads as a missing key",
    (key) => {
      const ctx = { session: { metadata: {} } };
      expect(ev(`get('$.session.metadata.${key}')`, ctx)).toEqual({ type: "null", value: null });
      expect(ev(`get('$.session.metadata.${key}', 'd')`, ctx).value).toBe("d");
      expect(ev(`get('$.session.${key}.x')`, ctx).value).toBe(null);
    },
  );

  it("an own __proto__ key (as JSON.parse makes it) is read like any key", () => {
    const ctx = JSON.parse('{"m": {"__proto__": "own"}}');
    expect(ev("get('$.m.__proto__')", ctx).value).toBe("own");
  });

  it("a default is used for a missing path and for JSON null, not for other falsy values", () => {
    const ctx = { m: { zero: 0, empty: "", no: false, nul: null } };
    expect(ev("get('$.m.zero', 9)", ctx).value).toBe(0);
    expect(ev("get('$.m.empty', 'd')", ctx).value).toBe("");
    expect(ev("get('$.m.no', true)", ctx).value).toBe(false);
    expect(ev("get('$.m.nul', 'd')", ctx).value).toBe("d");
    expect(ev("get('$.m.missing', get('$.m.zero'))", ctx).value).toBe(0);
  });
});
