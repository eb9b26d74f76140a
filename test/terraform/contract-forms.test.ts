/**
 * No perpetual diff, whatever form the API's answers take: one alias per form the contract
 * allows (API.md, rev.: nullable fields null or absent, timestamps with or without fractions
 * and offsets, fields added at every depth), each created, planned, refreshed and planned
 * again by real OpenTofu against the contract suite's loopback server answering in that form.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALIAS_FORMS, POLICY } from "../fixtures/alias-forms.js";
import { type ContractServer, type SeenRequest, startContractServer } from "../helpers/contract-server.js";
import { PROVIDER_TF, TofuWorkspace } from "../helpers/tofu.js";

const FORMS = Object.entries(ALIAS_FORMS);
const keyOf = (i: number) => `form-${i}`;

/** The policy in HCL: the same document the forms answer with. */
const POLICY_HCL = `{
    type = "routed"
    rules = [
      { match = ${JSON.stringify(POLICY.rules[0].match)}, targets = { type = "single", agent_key = "v2" } },
      { targets = { type = "weighted", partition_by = ${JSON.stringify(POLICY.rules[1].targets.partition_by)}, options = [
        { agent_key = "v1", weight = 90 },
        { agent_key = "v2", weight = 10 },
      ] } },
    ]
  }`;

const MAIN_TF = `${PROVIDER_TF}
${FORMS.map(
  (_, i) => `
resource "agentalias_alias" "form_${i}" {
  key    = "${keyOf(i)}"
  name   = "Support"
  policy = ${POLICY_HCL}
}`,
).join("\n")}
`;

let api: ContractServer;
let ws: TofuWorkspace;

/** Each form as the answer about its own alias. */
const formOf = (key: string) => {
  const i = Number(key.replace("form-", ""));
  return { ...(FORMS[i]?.[1] as Record<string, unknown>), key };
};

beforeAll(async () => {
  api = await startContractServer();
  api.answer(/^GET \/v2\/agents\//, (r: SeenRequest) => ({
    status: 200,
    body: { key: r.path.split("/").pop(), name: "agent", enabled: true, created_at: "2026-06-02T10:35:00Z" },
  }));
  api.answer("POST /v2/agent_aliases", (r) => ({
    status: 201,
    body: formOf((r.body as { key: string }).key),
  }));
  api.answer(/^GET \/v2\/agent_aliases\/form-\d+$/, (r) => ({
    status: 200,
    body: formOf(r.path.split("/").pop() as string),
  }));
  ws = new TofuWorkspace({ "main.tf": MAIN_TF }, { TF_VAR_api_url: api.url, VECTARA_API_KEY: "k" });
  await ws.init();
});
afterAll(async () => {
  ws?.dispose();
  await api?.close();
});

const writes = () => api.seen.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

describe(`tofu against answers in every form the contract allows (${FORMS.map(([l]) => l).join("; ")})`, () => {
  it("apply creates each alias once, and the next plan is clean", async () => {
    await ws.apply();
    expect(writes()).toEqual(FORMS.map(() => "POST /v2/agent_aliases"));
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
  });

  it("refresh keeps the state as it was, and the plan after it is clean", async () => {
    const before = JSON.parse(ws.stateText()).resources;
    await ws.ok(["refresh", "-input=false"]);
    expect(JSON.parse(ws.stateText()).resources).toEqual(before);
    api.seen.length = 0;
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
    expect(writes()).toEqual([]);
  });

  it("the state holds what the API stores, none of the fields it added", () => {
    const state = ws.stateText();
    expect(state).not.toMatch(/"owner"|"connectors"|"pinned"|"sticky_for_minutes"|"label"|"version": 7/);
    const attrs = JSON.parse(state).resources.map(
      (r: { instances: { attributes: Record<string, unknown> }[] }) => r.instances[0]!.attributes,
    );
    for (const a of attrs) expect(a).toMatchObject({ description: "", enabled: true, name: "Support" });
  });
});
