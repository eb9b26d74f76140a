/**
 * The Alias resource's provider: the lifecycle of one alias through the API.
 * create (409 explains adoption, or adopts with `adopt: true`), read (refresh sees drift and
 * deletion), update (PATCH only the changed fields, PUT the policy only if it changed),
 * delete (404 is done). A step that fails after the alias exists keeps its id in state.
 */
import type * as pulumi from "@pulumi/pulumi";
import { cut, isApiError, sameFields } from "../client/index.js";
import { type Alias, aliasFields, fieldsUpdatedBy, sameInstant } from "../wire/index.js";
import { agentKeysOf, type CheckFailure, checkAliasInputs, engineFailure } from "./check.js";
import { apiClient, configureConnection, hasCredentials } from "./connection.js";
import { type DiffResult, diffAlias } from "./diff.js";
import { logToEngine } from "./engine-log.js";
import { coded, describeApiFailure, keepingProvider, PartialFailureError } from "./errors.js";
import { type InputPath, markedSecrets, redactOutcome } from "./secrets.js";
import {
  type AliasInputs,
  type AliasOutputs,
  aliasOutputs,
  changesBetween,
  containsUnknown,
  createBody,
  inputsOfAlias,
  readAliasState,
} from "./values.js";

type Dyn = pulumi.dynamic.ResourceProvider<AliasInputs, AliasOutputs>;

/** Pulumi's dynamic ResourceProvider, with every method present and create/update always returning outputs. */
export type AliasProvider = Omit<Required<Dyn>, "create" | "update"> & {
  create(inputs: AliasInputs): Promise<{ id: string; outs: AliasOutputs }>;
  update(id: string, olds: AliasOutputs, news: AliasInputs): Promise<{ outs: AliasOutputs }>;
};

/**
 * Agents known to exist, per API URL, for the life of this provider process (one Pulumi or
 * Terraform run): checking many aliases that name the same agents asks the API once per
 * agent, also when the checks run at the same time (a lookup under way is waited for, not
 * repeated). Only "exists" is remembered; a missing agent, or a lookup that failed, is asked
 * about again.
 */
const knownAgents = new Map<string, { known: Set<string>; asking: Map<string, Promise<unknown>> }>();

/** What a check found: failures (as the core writes them), warnings, and each sample's route. */
export interface CheckOutcome {
  failures: CheckFailure[];
  /** Shown, never failing: e.g. agents that could not be checked. */
  warnings: string[];
  /** sampleRouteLine of each sample, for a door that logs them (the plugin; the dynamic resources log their own). */
  routes: string[];
}

/**
 * `check` of either resource: the pure checks of its inputs (`checkInputs`: failures, and each
 * sample's route), then (when they pass, the policy is known and credentials are available)
 * the API's word on agents that do not exist. An API that cannot answer is a warning naming
 * its URL, not a failure: the preview goes on, and says so. Secret inputs (at `secrets`) are
 * never shown in any of it.
 */
export async function checkWithAgents(
  news: { policy: AliasInputs["policy"] },
  secrets: readonly InputPath[],
  checkInputs: (news: Record<string, unknown>, routes: string[]) => CheckFailure[],
): Promise<CheckOutcome> {
  const raw = news as unknown as Record<string, unknown>;
  const { policy } = news;
  const routes: string[] = [];
  const failures = checkInputs(raw, routes);
  const warnings: string[] = [];
  if (failures.length === 0 && !containsUnknown(policy) && hasCredentials()) {
    const r = await askAgents(policy);
    if ("unreachable" in r) {
      warnings.push(
        `agents not checked: the API at ${r.url} did not answer (${r.unreachable}); ` +
          `this preview could not tell whether ${agentKeysOf(policy).join(", ")} exist`,
      );
    } else if (r.missing.length > 0) {
      failures.push({
        property: "policy",
        reason: `Alias references unknown agent(s): [${r.missing.join(", ")}]`,
      });
    }
  }
  return redactOutcome({ failures, warnings, routes }, raw, secrets);
}

/** The dynamic door's check answer: warnings to the engine's log, failures as the engine prints them best. */
export async function dynamicCheckAnswer<T>(
  inputs: T,
  outcome: { failures: CheckFailure[]; warnings: string[] },
) {
  for (const w of outcome.warnings) await logToEngine("warning", w);
  return { inputs, failures: outcome.failures.map(engineFailure) };
}

/**
 * The methods the two dynamic providers share: configure (the connection, from the provider's
 * config), check (the resource's `check`, with the secret inputs the resource marked, answered
 * by dynamicCheckAnswer) and diff (the resource's `diff`).
 */
export function dynamicCheckAndDiff<I, O>(
  check: (news: I, secrets: readonly InputPath[]) => Promise<CheckOutcome>,
  diff: (olds: Record<string, unknown>, news: Record<string, unknown>) => DiffResult,
): Pick<Required<pulumi.dynamic.ResourceProvider<I, O>>, "configure" | "check" | "diff"> {
  return {
    async configure(req) {
      configureConnection(req.config);
    },

    async check(_olds, news) {
      return dynamicCheckAnswer(
        news,
        await check(news, markedSecrets(news as unknown as Record<string, unknown>)),
      );
    },

    async diff(_id, olds, news) {
      const { changes, replaces } = diff(
        olds as unknown as Record<string, unknown>,
        news as unknown as Record<string, unknown>,
      );
      return { changes, replaces };
    },
  };
}

/** Check of an Alias's inputs, for either door; secret inputs (at `secrets`) never shown. */
export const checkAlias = (news: AliasInputs, secrets: readonly InputPath[]): Promise<CheckOutcome> =>
  checkWithAgents(news, secrets, checkAliasInputs);

/**
 * Which of the agents a policy names do not exist, in the policy's order, or why the API could
 * not say. Each agent is asked about once (client.missingAgents bounds the calls).
 */
async function askAgents(
  policy: AliasInputs["policy"],
): Promise<{ missing: string[] } | { unreachable: string; url: string }> {
  const client = apiClient();
  let agents = knownAgents.get(client.baseUrl);
  if (!agents) knownAgents.set(client.baseUrl, (agents = { known: new Set(), asking: new Map() }));
  const { known, asking } = agents;
  const keys = agentKeysOf(policy).filter((k) => !known.has(k));
  const waited = [...new Set(keys.filter((k) => asking.has(k)).map((k) => asking.get(k)))];
  const ask = keys.filter((k) => !asking.has(k));
  const lookup = ask.length > 0 ? client.missingAgents(ask, known) : Promise.resolve([]);
  for (const k of ask) asking.set(k, lookup);
  try {
    await Promise.all([lookup, ...waited]);
    return { missing: keys.filter((k) => !known.has(k)) };
  } catch (e) {
    return { unreachable: (e as Error).message, url: client.baseUrl };
  } finally {
    for (const k of ask) if (asking.get(k) === lookup) asking.delete(k);
  }
}

/** Asks the API which of the agents a policy names do not exist. Null when it cannot tell. */
export async function unknownAgents(policy: AliasInputs["policy"]): Promise<string[] | null> {
  const r = await askAgents(policy);
  return "missing" in r ? r.missing : null;
}

const ADOPT_HINT = (key: string) =>
  `Alias '${cut(key)}' already exists. To manage it from this stack, set \`adopt: true\` on the resource ` +
  "(`pulumi import` does not work for dynamic providers; with the native agent-alias provider, " +
  `\`pulumi import agent-alias:index:Alias <name> ${cut(key)}\` does): the next \`pulumi up\` takes it over and ` +
  "brings its name, description, enabled, metadata and policy to the values declared here. Or choose another key.";

/**
 * Brings an existing alias to the desired inputs with the fewest calls; returns the result.
 * The policy goes first: replacing it needs a higher role than a PATCH (API.md, roles), so a
 * key that may not make both calls is refused before anything is written. A PATCH that fails
 * after the policy landed keeps the alias in state as it now is.
 */
async function converge(key: string, current: Alias, desired: AliasInputs): Promise<Alias> {
  const client = apiClient();
  const { patch, policy } = changesBetween(readAliasState({ ...current }), desired);
  let result = current;
  if (policy) {
    try {
      result = await client.replacePolicy(key, desired.policy);
    } catch (e) {
      throw describeApiFailure(`replacing the policy of alias '${cut(key)}'`, e);
    }
  }
  if (Object.keys(patch).length > 0) {
    try {
      result = await client.patchAlias(key, patch);
    } catch (e) {
      const err = describeApiFailure(`updating alias '${cut(key)}'`, e);
      if (!policy) throw err;
      throw new PartialFailureError(err.message, key, aliasOutputs(desired, result));
    }
  }
  return result;
}

export const aliasProvider: AliasProvider = {
  ...dynamicCheckAndDiff<AliasInputs, AliasOutputs>(checkAlias, diffAlias),

  create(inputs) {
    return keepingProvider(inputs, () => createAlias(inputs));
  },

  read: readAlias,

  update(id, olds, news) {
    return keepingProvider(news, () => updateAlias(id, olds, news));
  },

  async delete(id) {
    try {
      await apiClient().deleteAlias(id);
    } catch (e) {
      if (isApiError(e, "not_found")) return;
      throw describeApiFailure(`deleting alias '${cut(id)}'`, e);
    }
  },
};

async function createAlias(inputs: AliasInputs): Promise<{ id: string; outs: AliasOutputs }> {
  const client = apiClient();
  const body = createBody(inputs);
  try {
    const alias = await client.createAlias(body);
    return { id: alias.key, outs: aliasOutputs(inputs, alias) };
  } catch (e) {
    if (!isApiError(e, "conflict")) throw describeApiFailure(`creating alias '${cut(inputs.key)}'`, e);
  }
  // 409: the key is taken. An alias identical in every field this create sends is our own
  // create whose answer was lost (the API went away before the state recorded it): take it.
  let current: Alias;
  try {
    current = await client.getAlias(inputs.key);
  } catch (e) {
    throw describeApiFailure(`reading the existing alias '${cut(inputs.key)}'`, e);
  }
  if (sameFields(body, current)) return { id: current.key, outs: aliasOutputs(inputs, current) };
  if (!inputs.adopt) throw coded("conflict", ADOPT_HINT(inputs.key));
  // Adoption: take the existing alias over and bring it to the declared settings.
  try {
    const alias = await converge(inputs.key, current, inputs);
    return { id: alias.key, outs: aliasOutputs(inputs, alias) };
  } catch (e) {
    if (e instanceof PartialFailureError) throw e;
    // Adopted but not converged: keep it in state as it is, so a later `up` finishes the job.
    throw new PartialFailureError(
      (e as Error).message,
      inputs.key,
      aliasOutputs({ ...inputs, ...current }, current),
    );
  }
}

/** Read (refresh, import): the alias as the API has it, and the inputs that would manage it so (inputsOfAlias). */
async function readAlias(
  id: string,
  props?: AliasOutputs,
): Promise<{ id?: string; props?: AliasOutputs; inputs?: AliasOutputs }> {
  let alias: Alias | null;
  try {
    alias = await apiClient().findAlias(id);
  } catch (e) {
    throw describeApiFailure(`reading alias '${cut(id)}'`, e);
  }
  if (!alias) return {};
  const old = readAliasState((props ?? { key: id }) as unknown as Record<string, unknown>);
  const now = aliasOutputs(
    { samples: old.samples, ...(old.adopt !== undefined ? { adopt: old.adopt } : {}) },
    alias,
  );
  // Timestamps compare as instants: the same instant written another way is no change.
  for (const name of fieldsUpdatedBy("output")) {
    const was = old[name as "createdAt" | "updatedAt"];
    if (was && sameInstant(was, now[name as "createdAt" | "updatedAt"]))
      (now as unknown as Record<string, unknown>)[name] = was;
  }
  return {
    id: alias.key,
    props: now,
    inputs: inputsOfAlias(now as unknown as Record<string, unknown>) as AliasOutputs,
  };
}

async function updateAlias(
  id: string,
  olds: AliasOutputs,
  news: AliasInputs,
): Promise<{ outs: AliasOutputs }> {
  const old = readAliasState(olds as unknown as Record<string, unknown>);
  const { patch, policy } = changesBetween(old, news);
  if (!policy && Object.keys(patch).length === 0) {
    // Only the provider's own inputs (samples, adopt) changed: nothing to write.
    return { outs: aliasOutputs(news, stateAsAlias(id, old)) };
  }
  const alias = await converge(id, stateAsAlias(id, old), news);
  return { outs: aliasOutputs(news, alias) };
}

/** The alias as the state last saw it, in the API's form. */
function stateAsAlias(id: string, old: Partial<AliasOutputs>): Alias {
  const alias: Record<string, unknown> = {};
  for (const [name, f] of aliasFields())
    if (f.wire !== undefined) alias[f.wire] = old[name as keyof AliasOutputs];
  return { ...alias, key: id } as Alias;
}
