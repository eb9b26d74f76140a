/**
 * The packed package works, unchanged, in the projects users have: TypeScript with
 * `moduleResolution` node10 (Pulumi's templates from 2024 to 2026: `"module": "commonjs",
 * "moduleResolution": "node"`, no `esModuleInterop`, no `skipLibCheck`), nodenext (the
 * templates since 2026), node16 and bundler, CommonJS or ESM, and plain JavaScript with
 * `require` and with `import`. Each project lives outside the repository (helpers/outside.ts:
 * the tarball installed with the templates' `typescript` and `@types/node` 18), imports every
 * public entry point and uses a value of each; the TypeScript ones are type-checked with
 * their own tsconfig (a `@ts-expect-error` proves the types are the package's, not `any`), and
 * every one runs `pulumi preview` with the real CLI on Node.js 22.19 against the emulator,
 * where the dynamic provider loads the package from the project's folder and asks the API
 * for the agents.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { canaryPolicy, compilePolicy } from "../../src/policy/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type OutsideTools, outsideTools, templateTsconfig } from "../helpers/outside.js";
import { TestStack } from "../helpers/pulumi.js";

const run = promisify(execFile);

// npm pack and install on the first run (minutes on a loaded machine), then a preview each.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 900_000 });

const POLICY = {
  from: "layout-v1",
  to: "layout-v2",
  partitionBy: "get('$.session.metadata.user_id', '')",
  current: "canary-50",
};

/** The program's body, the same in every layout: a value of every entry point, and an Alias. */
const BODY = `
const policy = canaryPolicy(${JSON.stringify(POLICY)});
const alias = new Alias("layout", {
  key: pulumi.getProject(),
  name: "Layout",
  policy,
  samples: [{ name: "user 7", context: { session: { metadata: { user_id: "7" } } } }],
});
const context = { session: { key: "s", metadata: { user_id: "7" } } };
export const key = alias.key;
export const resolved = compilePolicy({ key: pulumi.getProject(), policy }).resolve(context).agent_key;
export const evaluated = encodeValue(compileExpression("2 + 3")({})).value;
export const wireParses = aliasSchema.safeParse({ key: "k" }).success;
export const clientUrl = new AgentAliasClient({ baseUrl: "http://127.0.0.1:9", apiKey: "k", env: {} }).baseUrl;
export const emulatorPort = DEFAULT_PORT;
export const providerFailures = checkAliasInputs({ key: "not a key", name: "n", policy }).length;
export const cli = typeof runCli;
export const policyType = typeof AliasPolicy;
`;

const TS_IMPORTS = `import * as pulumi from "@pulumi/pulumi";
import { Alias, type AliasArgs, AliasPolicy, canaryPolicy } from "pulumi-agent-alias";
import { AgentAliasClient } from "pulumi-agent-alias/client";
import { runCli } from "pulumi-agent-alias/cli";
import { DEFAULT_PORT } from "pulumi-agent-alias/emulator";
import { compilePolicy } from "pulumi-agent-alias/policy";
import { checkAliasInputs } from "pulumi-agent-alias/provider";
import { compileExpression, encodeValue } from "pulumi-agent-alias/userfn";
import { aliasSchema } from "pulumi-agent-alias/wire";
`;

const TS_PROGRAM = `${TS_IMPORTS}${BODY}
// The types are the package's own, not \`any\`: an alias key is a string, a resolution's agent too.
// @ts-expect-error: number is not a key
const notAKey: AliasArgs["key"] = 7;
const agent: string = resolved;
export const typed = [notAKey, agent].length;
`;

const CJS_JS_PROGRAM = `"use strict";
const pulumi = require("@pulumi/pulumi");
const { Alias, AliasPolicy, canaryPolicy } = require("pulumi-agent-alias");
const { AgentAliasClient } = require("pulumi-agent-alias/client");
const { runCli } = require("pulumi-agent-alias/cli");
const { DEFAULT_PORT } = require("pulumi-agent-alias/emulator");
const { compilePolicy } = require("pulumi-agent-alias/policy");
const { checkAliasInputs } = require("pulumi-agent-alias/provider");
const { compileExpression, encodeValue } = require("pulumi-agent-alias/userfn");
const { aliasSchema } = require("pulumi-agent-alias/wire");
${BODY.replace(/^export const (\w+) =/gm, "exports.$1 =")}`;

const ESM_JS_PROGRAM = `${TS_IMPORTS.replace(", type AliasArgs", "")}${BODY}`;

interface Layout {
  name: string;
  /** package.json `type`. */
  type?: "module";
  /** The program file and its text. */
  main: string;
  program: string;
  tsconfig?: string;
}

const LAYOUTS: Layout[] = [
  {
    name: "ts-cjs-node10",
    main: "index.ts",
    program: TS_PROGRAM,
    tsconfig: templateTsconfig("commonjs", "node"),
  },
  {
    name: "ts-cjs-nodenext",
    main: "index.ts",
    program: TS_PROGRAM,
    tsconfig: templateTsconfig("nodenext", "nodenext"),
  },
  {
    name: "ts-cjs-node16",
    main: "index.ts",
    program: TS_PROGRAM,
    tsconfig: templateTsconfig("node16", "node16"),
  },
  {
    name: "ts-esm-nodenext",
    type: "module",
    main: "index.ts",
    program: TS_PROGRAM,
    tsconfig: templateTsconfig("nodenext", "nodenext"),
  },
  {
    name: "ts-esm-bundler",
    type: "module",
    main: "index.ts",
    program: TS_PROGRAM,
    tsconfig: templateTsconfig("esnext", "bundler"),
  },
  { name: "js-cjs-require", main: "index.js", program: CJS_JS_PROGRAM },
  { name: "js-esm-import", type: "module", main: "index.js", program: ESM_JS_PROGRAM },
];

let tools: OutsideTools;
let emu: TestEmulator;
const dirs = new Map<string, string>();

beforeAll(async () => {
  [tools, emu] = await Promise.all([outsideTools(), startTestEmulator()]);
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
  for (const key of [POLICY.from, POLICY.to]) await api.createAgent({ key, name: key });
  for (const l of LAYOUTS) {
    const dir = tools.project(l.name);
    writeFileSync(join(dir, "Pulumi.yaml"), `name: ${l.name}\nruntime: nodejs\n`);
    writeFileSync(
      join(dir, "package.json"),
      `${JSON.stringify({ name: l.name, ...(l.type ? { type: l.type } : {}), main: l.main }, null, 2)}\n`,
    );
    writeFileSync(join(dir, l.main), l.program);
    if (l.tsconfig) writeFileSync(join(dir, "tsconfig.json"), l.tsconfig);
    dirs.set(l.name, dir);
  }
});
afterAll(() => emu?.close());

/** Where user 7 goes for the alias of a layout (its key is the project's name). */
const expected = (layout: string): string =>
  compilePolicy({ key: layout, policy: canaryPolicy(POLICY) }).resolve({
    session: { key: "s", metadata: { user_id: "7" } },
  }).agent_key;

describe("the packed package in each project layout", () => {
  // tsc reads all of @pulumi/pulumi's declarations (10-30 s each here): side by side.
  it.concurrent.each(LAYOUTS.filter((l) => l.tsconfig).map((l) => [l.name]))(
    "%s: type-checks with its own tsconfig",
    async (name) => {
      const dir = dirs.get(name)!;
      const tsc = join(tools.dir, "node_modules/typescript/bin/tsc");
      const out = await run(tools.node, [tsc, "-p", dir, "--noEmit", "--pretty", "false"], { cwd: dir }).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout?: string; stderr?: string; message: string }) =>
          `${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`,
      );
      expect(out).toBe("");
    },
  );

  // Each layout its own stack: the previews run side by side (most of their time is waiting).
  it.concurrent.each(LAYOUTS.map((l) => [l.name]))("%s: pulumi preview on Node.js 22.19", async (name) => {
    const stack = new TestStack(dirs.get(name)!, "layout", { PULUMI_NODEJS_NODE: tools.node });
    try {
      await stack.init({ "agent-alias:apiUrl": emu.url }, { "agent-alias:apiKey": emu.apiKey });
      const r = await stack.run(["preview"]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(new RegExp(`resolved\\s*: "${expected(name)}"`));
      expect(r.output).toMatch(new RegExp(`sample 'user 7' -> ${expected(name)} \\(rule #1`));
      expect(r.output).toMatch(/evaluated\s*: 5/);
      expect(r.output).toMatch(/wireParses\s*: false/);
      expect(r.output).toMatch(/providerFailures\s*: 1/);
      expect(r.output).not.toMatch(/ExperimentalWarning|error:/);
    } finally {
      await stack.dispose();
    }
  });
});
