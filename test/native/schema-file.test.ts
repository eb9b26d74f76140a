/**
 * schema.json at the repository root is packageSchema(version) written out (`npm run schema`),
 * and the SDKs are generated from that file: when the field table or the schema code changes
 * and the file was not rewritten, this fails.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packageSchema } from "../../src/native/schema.js";
import { REPO } from "../helpers/cli.js";

const { version } = JSON.parse(readFileSync(`${REPO}package.json`, "utf8")) as { version: string };

describe("schema.json", () => {
  it("is packageSchema(version) at package.json's version, key order included", () => {
    const file: unknown = JSON.parse(readFileSync(`${REPO}schema.json`, "utf8"));
    const current = packageSchema(version);
    // Compared as JSON text, so key order (which the generators' output follows) counts too.
    const message = "schema.json is stale: run `npm run schema` (and `npm run sdk`)";
    expect(JSON.stringify(file, null, 2), message).toBe(JSON.stringify(current, null, 2));
  });

  it("carries the package's version", () => {
    const file = JSON.parse(readFileSync(`${REPO}schema.json`, "utf8")) as { version?: unknown };
    expect(file.version).toBe(version);
  });
});
