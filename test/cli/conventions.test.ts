/**
 * The command's conventions (CLI.md): output for people unless asked, on a terminal or not
 * (`--json` / `--format json` for machine output), `--format` named in every subcommand's
 * help, `-` for standard input wherever a file is read, `validate` on a samples file saying
 * what it is, and "did you mean" for a misspelt function or field.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_FORMATS } from "../../src/cli/args.js";
import {
  EMULATOR_USAGE,
  runEmulatorCommand,
  runTrafficCommand,
  TRAFFIC_USAGE,
} from "../../src/emulator/index.js";
import { cli, REPO, spawnCli, tempFiles } from "../helpers/cli.js";

const POLICY = "examples/policies/support.yaml";
const SAMPLES = "examples/policies/support.samples.yaml";
const text = (file: string) => readFileSync(isAbsolute(file) ? file : join(REPO, file), "utf8");
const isJson = (s: string) => {
  try {
    JSON.parse(s.split("\n")[0]!);
    return true;
  } catch {
    return false;
  }
};

const files = tempFiles({
  "ctx.json": JSON.stringify({ session: { key: "s1", metadata: { tenant: "eu" } } }),
  "ctxs.jsonl": `${JSON.stringify({ session: { key: "s1", metadata: { tenant: "eu" } } })}\n`,
  "typo.yaml":
    "key: t\npolicy:\n  type: routed\n  rules:\n    - match: \"lowr(get('$.session.metadata.tenant')) == 'eu'\"\n      targets: { type: single, agnet_key: a }\n",
  "bad.samples.yaml": "- name: eu\n  context: { session: {} }\n  expcet: support-v1\n",
});
const f = (name: string) => join(files, name);

/** Each subcommand that prints a result, with arguments that succeed offline. */
const RUNS: Record<string, string[]> = {
  validate: ["validate", POLICY],
  resolve: ["resolve", POLICY, "--context", f("ctx.json")],
  eval: ["eval", "1 + 1"],
  preview: ["preview", POLICY, "--keys", "20000"],
  diff: ["diff", POLICY, POLICY, "--keys", "100"],
};

describe("output is for people unless asked, on a terminal or not", () => {
  it.each(Object.entries(RUNS))(
    "%s: human when piped, JSON with --json and --format json",
    async (_name, argv) => {
      for (const tty of [true, false]) {
        const human = await cli(argv, { tty });
        expect(human.code, human.stderr).toBe(0);
        expect(isJson(human.stdout), human.stdout).toBe(false);
      }
      for (const flags of [["--json"], ["--format", "json"]]) {
        const r = await cli([...argv, ...flags]);
        expect(r.code, r.stderr).toBe(0);
        expect(isJson(r.stdout), r.stdout).toBe(true);
      }
    },
  );

  // A checkout has no platform package for the Pulumi plugin (test/cli/plugin-install.test.ts);
  // the Terraform mirror needs none and prints the same way.
  it("plugin install prints a line, or its JSON", async () => {
    const mirror = tempFiles({});
    const first = await cli(["plugin", "install", "--terraform", "--mirror", mirror]);
    expect(first.stdout).toMatch(/^installed .*agent-alias\/agentalias\//);
    const again = await cli(["plugin", "install", "--terraform", "--mirror", mirror, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ installed: false });
  });

  it("the real command, its output piped: text, not JSON", async () => {
    const r = await spawnCli(["validate", POLICY]);
    expect(r.stdout).toBe(`ok  ${POLICY}\n`);
  });
});

describe("--format in every subcommand's help", () => {
  const help = async (argv: string[]) => (await cli([...argv, "--help"])).stdout;

  it.each(Object.entries(COMMAND_FORMATS))("%s --help names --format %s", async (name, formats) => {
    const out = await help([name]);
    expect(out).toContain(`--format ${formats.join("|")}`);
    expect(out).toMatch(/--json/);
  });

  it("plugin install and emulator traffic too; the emulator says why it has none", async () => {
    expect(await help(["plugin"])).toContain("--format human|json");
    for (const verb of ["status", "pause", "dashboard"])
      expect(await help(["rollout", verb])).toContain("--format human|json");
    expect(TRAFFIC_USAGE).toContain("--format human|json");
    expect(EMULATOR_USAGE).toContain("takes no --format");
    expect((await cli(["--help"])).stdout).toContain("--json or --format json");
  });

  it("every subcommand of the usage has a help that names its formats", () => {
    const usage = (async () => (await cli(["--help"])).stdout)();
    return usage.then((u) => {
      const listed = [...u.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!);
      for (const name of listed)
        expect(
          Object.hasOwn(COMMAND_FORMATS, name) || ["plugin", "emulator"].includes(name),
          `${name} is listed by --help but has no formats`,
        ).toBe(true);
    });
  });
});

describe("- reads standard input wherever a file is read", () => {
  it("validate -, and a policy, a context and samples from standard input", async () => {
    expect((await cli(["validate", "-"], { stdin: text(POLICY) })).stdout).toBe("ok  -\n");
    const resolved = await cli(["resolve", "-", "--context", f("ctx.json"), "--json"], {
      stdin: text(POLICY),
    });
    expect(JSON.parse(resolved.stdout)).toMatchObject({ agent_key: expect.any(String), rule: 1 });
    const fromStdin = await cli(["resolve", POLICY, "--context", "-", "--json"], {
      stdin: text(f("ctx.json")),
    });
    expect(fromStdin.stdout).toBe(resolved.stdout);
    const lines = await cli(["resolve", POLICY, "--contexts", "-", "--json"], {
      stdin: text(f("ctxs.jsonl")),
    });
    expect(lines.stdout).toBe(resolved.stdout);
    const evaluated = await cli(["eval", "get('$.session.metadata.tenant')", "--context", "-", "--json"], {
      stdin: text(f("ctx.json")),
    });
    expect(JSON.parse(evaluated.stdout)).toEqual({ type: "string", value: "eu" });
    const previewed = await cli(["preview", POLICY, "--samples", "-", "--keys", "20000", "--json"], {
      stdin: text(SAMPLES),
    });
    expect(previewed.code).toBe(0);
    expect(JSON.parse(previewed.stdout).samples.length).toBeGreaterThan(0);
    const diffed = await cli(["diff", "-", POLICY, "--keys", "100", "--json"], { stdin: text(POLICY) });
    expect(JSON.parse(diffed.stdout).status).toBe("unchanged");
  });

  it("standard input is read once: a second - is refused, exit 2", async () => {
    const r = await cli(["diff", "-", "-"], { stdin: text(POLICY) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("-: standard input is read once; give '-' for one file only");
  });

  it("the real command, with a pipe", async () => {
    const r = await spawnCli(["validate", "-", "--json"], { stdin: text(POLICY) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, errors: [] });
  });

  it("emulator --seed - and emulator traffic --metadata-from -", async () => {
    const abort = new AbortController();
    let out = "";
    const seed =
      "agents:\n  - { key: in-v1, name: In }\naliases:\n  - key: in\n    name: In\n    policy: { type: routed, rules: [{ targets: { type: single, agent_key: in-v1 } }] }\n";
    const running = runEmulatorCommand(["--port", "0", "--api-key", "k", "--seed", "-"], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
      stdin: (async function* () {
        yield seed;
      })(),
      signal: abort.signal,
      inProcess: true,
    });
    try {
      for (let i = 0; i < 100 && !out.includes("\n"); i++) await new Promise((r) => setTimeout(r, 50));
      const url = out.split("\n")[0]!;
      const alias = await fetch(`${url}/v2/agent_aliases/in`, { headers: { "x-api-key": "k" } });
      expect(alias.status).toBe(200);
      let summary = "";
      const code = await runTrafficCommand(
        [
          "--url",
          url,
          "--api-key",
          "k",
          "--alias",
          "in",
          "--rate",
          "100",
          "--count",
          "2",
          "--metadata-from",
          "-",
          "--format",
          "json",
        ],
        {
          stdout: { write: (s: string) => (summary += s) },
          stderr: { write: () => true },
          stdin: (async function* () {
            yield "- { user_id: u1 }\n- { user_id: u2 }\n";
          })(),
        },
      );
      expect(code).toBe(0);
      expect(JSON.parse(summary)).toMatchObject({ sessions: 2 });
    } finally {
      abort.abort();
      expect(await running).toBe(0);
    }
  });
});

describe("validate on a samples file", () => {
  it("says it is a samples file and how to use it; exit 0 when the samples are valid", async () => {
    const r = await cli(["validate", POLICY, SAMPLES]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ok  ${POLICY}\n`);
    expect(r.stdout).toContain(
      `ok  ${SAMPLES}: a samples file, not a policy: use it with agent-alias preview POLICY --samples ${SAMPLES}`,
    );
    const json = await cli(["validate", SAMPLES, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: "samples", valid: true, errors: [] });
  });

  it("names a samples file's own problems, with did you mean", async () => {
    const r = await cli(["validate", f("bad.samples.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("a samples file, not a policy");
    expect(r.stdout).toContain("samples[0].expcet: unknown field 'expcet'; did you mean 'expect'?");
  });
});

describe("did you mean", () => {
  it("for a misspelt function and a misspelt field", async () => {
    const r = await cli(["validate", f("typo.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("unknown function 'lowr' at column 1; did you mean 'log'?");
    expect(r.stdout).toContain("unknown field 'agnet_key'; did you mean 'agent_key'?");
  });
});
