import { describe, expect, it } from "vitest";
import { memberLoad } from "../../src/userfn/member.js";

// This file imports member.ts alone, so its process-wide assignment starts empty here.
describe("memberLoad", () => {
  const names = Array.from({ length: 12 }, (_, i) => `name_${i}`);

  it("gives each of the first eight names a load of its own, then shares the last", () => {
    const loads = names.map(memberLoad);
    expect(new Set(loads.slice(0, 8)).size).toBe(8);
    for (const load of loads.slice(8)) expect(load).toBe(loads[7]);
  });

  it("keeps a name's load once assigned", () => {
    expect(memberLoad("name_3")).toBe(memberLoad("name_3"));
    expect(memberLoad("name_3")).not.toBe(memberLoad("name_4"));
  });

  it("reads the named member, whichever load the name has, own or shared", () => {
    const o = Object.fromEntries(names.map((n, i) => [n, i]));
    names.forEach((n, i) => {
      expect(memberLoad(n)(o, n)).toBe(i);
    });
    expect(memberLoad("name_11")({}, "name_11")).toBeUndefined();
  });
});
