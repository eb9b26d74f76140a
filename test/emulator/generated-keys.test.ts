/** Generated keys: `ase_<slug>_<4 hex>`, within 50 characters, wider only when crowded. */
import { describe, expect, it } from "vitest";
import { generateKey, slug } from "../../src/emulator/ids.js";
import { KEY_PATTERN } from "../../src/policy/index.js";

describe("generateKey", () => {
  it("slugs the name and appends 4 hex characters", () => {
    expect(generateKey("ase", "Support conversation", "session", () => false)).toMatch(
      /^ase_support_conversation_[0-9a-f]{4}$/,
    );
    expect(generateKey("ase", "¡¡¡", "session", () => false)).toMatch(/^ase_session_[0-9a-f]{4}$/);
    expect(generateKey("ase", undefined, "session", () => false)).toMatch(/^ase_session_[0-9a-f]{4}$/);
  });

  it("stays a valid key of at most 50 characters for any name", () => {
    for (const name of ["x".repeat(500), "  Élan -- vital  ", "a".repeat(45) + "!!"]) {
      const key = generateKey("ase", name, "session", () => false);
      expect(key.length).toBeLessThanOrEqual(50);
      expect(KEY_PATTERN.test(key)).toBe(true);
    }
    expect(slug("--Hello, World!--", 50)).toBe("hello_world");
  });

  it("widens the random part when the store is crowded or every short key is taken", () => {
    expect(generateKey("ase", "s", "session", () => false, 100_000)).toMatch(/^ase_s_[0-9a-f]{6}$/);
    const key = generateKey("ase", "s", "session", (k) => /_[0-9a-f]{4}$/.test(k));
    expect(key).toMatch(/^ase_s_[0-9a-f]{6}$/);
  });
});
