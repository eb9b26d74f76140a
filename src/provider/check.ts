/**
 * `check` for both resources, as pure functions: schema and policy validation with the API's
 * messages, every sample resolved (a missed `expect` names the sample and both agents), and
 * values still unknown during preview skipped rather than failed.
 */
import {
  agentsOf,
  checkPolicy,
  formatPath,
  KEY_PATTERN,
  missDetail,
  type PolicyIssue,
  parseSamples,
  type RoutedSample,
  routeSamples,
} from "../policy/index.js";
import { aliasFields, type FieldKind } from "../wire/index.js";
import { containsUnknown, UNKNOWN } from "./values.js";

export interface CheckFailure {
  property: string;
  reason: string;
}

const KEY_RULE = "must be 1 to 50 characters of letters, digits, '_' or '-'";

function checkKey(value: unknown, property: string, out: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  if (value === undefined) out.push({ property, reason: `${property} is required` });
  else if (typeof value !== "string" || value.length < 1 || value.length > 50 || !KEY_PATTERN.test(value)) {
    out.push({ property, reason: `${property} ${KEY_RULE}, got ${JSON.stringify(value)}` });
  }
}

function checkType(
  value: unknown,
  property: string,
  type: "string" | "boolean" | "object",
  out: CheckFailure[],
): void {
  if (value === undefined || value === UNKNOWN) return;
  const ok =
    type === "object"
      ? value !== null && typeof value === "object" && !Array.isArray(value)
      : typeof value === type;
  if (!ok)
    out.push({ property, reason: `${property} must be ${type === "object" ? "an object" : `a ${type}`}` });
}

/** The shape check of one Alias input, by its kind in the field table; policy is checked on its own. */
function checkField(property: string, kind: FieldKind, value: unknown, out: CheckFailure[]): void {
  switch (kind) {
    case "key":
      checkKey(value, property, out);
      return;
    case "name":
      if (value === undefined) out.push({ property, reason: `${property} is required` });
      else if (value !== UNKNOWN && (typeof value !== "string" || value.length < 1 || value.length > 100))
        out.push({ property, reason: `${property} must be a string of 1 to 100 characters` });
      return;
    case "string":
    case "boolean":
    case "object":
      checkType(value, property, kind, out);
      return;
    case "samples":
      if (value !== undefined && value !== UNKNOWN && !Array.isArray(value))
        out.push({ property, reason: `${property} must be a list of {name?, context, expect?}` });
      return;
    case "policy":
    case "timestamp":
      return;
  }
}

/**
 * Validates a policy and resolves the samples against it; returns the samples' routes (none
 * when the policy or the samples could not be checked yet). `alias` supplies the key (the
 * hash salt) and the `agent` that sample contexts without one are given.
 */
function checkPolicyAndSamples(
  alias: {
    key: string;
    name?: string | undefined;
    description?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
  policy: unknown,
  samples: unknown,
  out: CheckFailure[],
): RoutedSample[] {
  if (policy === undefined) {
    out.push({ property: "policy", reason: "policy is required" });
    return [];
  }
  if (containsUnknown(policy)) return [];
  // An invalid key is reported once, by the key's own check; samples then wait for a good one.
  const validKey = alias.key.length <= 50 && KEY_PATTERN.test(alias.key);
  const checked = checkPolicy(validKey ? { key: alias.key, policy } : { policy });
  out.push(...checked.issues.map(failureOf));
  if (!checked.ok || !validKey || samples === undefined || containsUnknown(samples)) return [];
  const parsed = parseSamples(samples);
  for (const i of parsed.issues) out.push({ property: i.path, reason: i.message });
  if (parsed.issues.length > 0) return [];
  const routes = routeSamples(checked.policy, parsed.samples, alias);
  for (const r of routes) {
    if (r.missed)
      out.push({ property: `samples[${r.index}].expect`, reason: `sample '${r.name}' ${missDetail(r)}` });
    if (r.error !== undefined)
      out.push({
        property: `samples[${r.index}]`,
        reason: `sample '${r.name}' could not be routed: ${r.error.message}`,
      });
  }
  return routes;
}

/** A policy issue as a check failure: the property path written out (`policy.rules[1].match`). */
const failureOf = (i: PolicyIssue): CheckFailure => ({
  property: formatPath(i.path) || "policy",
  reason: i.message,
});

/** The result of a check: failures (none when valid), and where each sample went. */
export interface Checked {
  failures: CheckFailure[];
  /** The samples' routes, when the policy and samples were known and valid enough to route. */
  routes: RoutedSample[];
}

/** `check` of an Alias's inputs; returns the failures (empty when valid). */
export function checkAliasInputs(news: Record<string, unknown>): CheckFailure[] {
  return checkAlias(news).failures;
}

/** `check` of an Alias's inputs, with the samples' routes. */
export function checkAlias(news: Record<string, unknown>): Checked {
  const out: CheckFailure[] = [];
  for (const [name, f] of aliasFields()) checkField(name, f.kind, news[name], out);
  // Samples hash on the alias key: without a known key they cannot be resolved yet.
  const key = typeof news.key === "string" && news.key !== UNKNOWN ? news.key : undefined;
  if (key === undefined) {
    if (news.policy !== undefined && !containsUnknown(news.policy)) {
      out.push(...checkPolicy({ policy: news.policy }).issues.map(failureOf));
    } else if (news.policy === undefined) {
      out.push({ property: "policy", reason: "policy is required" });
    }
    return { failures: out, routes: [] };
  }
  const known = (v: unknown) => (typeof v === "string" && v !== UNKNOWN ? v : undefined);
  const routes = checkPolicyAndSamples(
    {
      key,
      name: known(news.name),
      description: known(news.description) ?? "",
      metadata: containsUnknown(news.metadata)
        ? {}
        : ((news.metadata as Record<string, unknown> | undefined) ?? {}),
    },
    news.policy,
    Array.isArray(news.samples) ? news.samples : undefined,
    out,
  );
  return { failures: out, routes };
}

/** `check` of an AliasPolicy's inputs. */
export function checkAliasPolicyInputs(news: Record<string, unknown>): CheckFailure[] {
  return checkAliasPolicy(news).failures;
}

/** `check` of an AliasPolicy's inputs, with the samples' routes. */
export function checkAliasPolicy(news: Record<string, unknown>): Checked {
  const out: CheckFailure[] = [];
  checkKey(news.aliasKey, "aliasKey", out);
  const key = typeof news.aliasKey === "string" && news.aliasKey !== UNKNOWN ? news.aliasKey : "policy-check";
  const samples = Array.isArray(news.samples) ? news.samples : undefined;
  return { failures: out, routes: checkPolicyAndSamples({ key }, news.policy, samples, out) };
}

/** Agent keys a policy names, in order of first use (as the API reports unknown ones). */
export const agentKeysOf = agentsOf;
