/**
 * `check` for both resources, as pure functions: schema and policy validation with the API's
 * messages, every sample resolved (a missed `expect` names the sample and both agents), and
 * values still unknown during preview skipped rather than failed.
 */
import { cut, MESSAGE_LIMITS, shown } from "../client/index.js";
import { checkJsonTree } from "../policy/documents.js";
import {
  agentsOf,
  checkPolicy,
  formatPath,
  isKey,
  KEY_RULE,
  missDetail,
  type PolicyIssue,
  parseSamples,
  routeSamples,
  sampleRouteLine,
} from "../policy/index.js";
import { API_LIMITS, aliasFields, type FieldKind } from "../wire/index.js";
import { type AliasInputs, containsUnknown, createBody, UNKNOWN } from "./values.js";

const NAME_LENGTH = API_LIMITS.aliasNameLength;

/**
 * A problem of one input: where (`policy.rules[1].match`) and what, the what never repeating
 * the where. The doors print it as the CLI does, `where: what` (engineFailure).
 */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * A failure as both doors hand it to the engine: the path inside the reason and no property.
 * The engine prints a failure with a property as `property P value <the whole input value>
 * has a problem: …`, a dump of the policy; without one, `resource 'x' has a problem: …`.
 */
export function engineFailure(f: CheckFailure): CheckFailure {
  return { property: "", reason: f.property === "" ? f.reason : `${f.property}: ${f.reason}` };
}

const KEY_FAILURE = `must be ${KEY_RULE}`;

function checkKey(value: unknown, property: string, out: CheckFailure[]): void {
  if (value === UNKNOWN) return;
  if (value === undefined) out.push({ property, reason: "is required" });
  else if (typeof value !== "string" || !isKey(value)) {
    out.push({ property, reason: `${KEY_FAILURE}, got ${shown(value)}` });
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
  if (!ok) out.push({ property, reason: `must be ${type === "object" ? "an object" : `a ${type}`}` });
}

/** The shape check of one Alias input, by its kind in the field table; policy is checked on its own. */
function checkField(property: string, kind: FieldKind, value: unknown, out: CheckFailure[]): void {
  switch (kind) {
    case "key":
      checkKey(value, property, out);
      return;
    case "name":
      if (value === undefined) out.push({ property, reason: "is required" });
      else if (
        value !== UNKNOWN &&
        (typeof value !== "string" || value.length < 1 || value.length > NAME_LENGTH)
      )
        out.push({ property, reason: `must be a string of 1 to ${NAME_LENGTH} characters` });
      return;
    case "string":
    case "boolean":
    case "object":
      checkType(value, property, kind, out);
      return;
    case "samples":
      if (value !== undefined && value !== UNKNOWN && !Array.isArray(value))
        out.push({ property, reason: "must be a list of {name?, context, expect?}" });
      return;
    case "policy":
    case "timestamp":
      return;
  }
}

/**
 * Validates a policy and resolves the samples against it. `alias` supplies the key (the hash
 * salt) and the `agent` that sample contexts without one are given.
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
  routes: string[],
): void {
  if (policy === undefined) {
    out.push({ property: "policy", reason: "is required" });
    return;
  }
  if (containsUnknown(policy)) return;
  // An invalid key is reported once, by the key's own check; samples then wait for a good one.
  const validKey = isKey(alias.key);
  const checked = checkPolicy(validKey ? { key: alias.key, policy } : { policy });
  out.push(...checked.issues.map(failureOf));
  if (!checked.ok || !validKey || samples === undefined || containsUnknown(samples)) return;
  const parsed = parseSamples(samples);
  for (const i of parsed.issues) out.push({ property: i.path, reason: i.detail });
  if (parsed.issues.length > 0) return;
  for (const r of routeSamples(checked.policy, parsed.samples, alias)) {
    const name = cut(r.name);
    routes.push(sampleRouteLine(r));
    if (r.missed)
      out.push({ property: `samples[${r.index}].expect`, reason: `sample '${name}' ${missDetail(r)}` });
    if (r.error !== undefined)
      out.push({
        property: `samples[${r.index}]`,
        reason: `sample '${name}' could not be routed: ${r.error.message}`,
      });
  }
}

/** A policy issue as a check failure: the property path written out (`policy.rules[1].match`). */
const failureOf = (i: PolicyIssue): CheckFailure => ({
  property: formatPath(i.path) || "policy",
  reason: i.message,
});

const MiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * What the API would refuse of a request body whatever its fields hold (API_LIMITS): nesting
 * deeper than it takes (named by the path that goes too deep), and a body larger than it takes
 * (named by the property that makes most of it). `what` names the request for the message.
 * Checked before anything reads the body further, so an outsize input costs a walk and one
 * serialisation, never a validation, a compilation or a call per element.
 */
export function apiLimitFailures(body: Record<string, unknown>, what: string): CheckFailure[] {
  const deep = checkJsonTree(body);
  if (deep) {
    const property = cut(deep.path, MESSAGE_LIMITS.property);
    return [{ property, reason: `${deep.detail} (the API's limit)` }];
  }
  const size = Buffer.byteLength(JSON.stringify(body));
  if (size <= API_LIMITS.bodyBytes) return [];
  const [largest] = Object.entries(body)
    .map(([k, v]) => [k, v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v))] as const)
    .sort((a, b) => b[1] - a[1]);
  const property = largest?.[0] ?? "body";
  return [
    {
      property,
      reason: `${what} would be ${MiB(size)} (${property}: ${MiB(largest?.[1] ?? size)}), larger than the API takes (${API_LIMITS.bodyBytes} bytes)`,
    },
  ];
}

/** Samples are not sent to the API, but are read as contexts are: no deeper than a document may be. */
function sampleLimitFailures(samples: unknown): CheckFailure[] {
  const deep = samples === undefined ? null : checkJsonTree({ samples });
  if (!deep) return [];
  const property = cut(deep.path, MESSAGE_LIMITS.property);
  return [{ property, reason: deep.detail }];
}

/**
 * `check` of an Alias's inputs; returns the failures (empty when valid). Each sample's route
 * line (sampleRouteLine) is added to `routes` when given.
 */
export function checkAliasInputs(news: Record<string, unknown>, routes: string[] = []): CheckFailure[] {
  const limits = [
    ...apiLimitFailures(
      createBody(news as unknown as AliasInputs) as Record<string, unknown>,
      "the alias's create body",
    ),
    ...sampleLimitFailures(news.samples),
  ];
  if (limits.length > 0) return limits;
  const out: CheckFailure[] = [];
  for (const [name, f] of aliasFields()) checkField(name, f.kind, news[name], out);
  // Samples hash on the alias key: without a known key they cannot be resolved yet.
  const key = typeof news.key === "string" && news.key !== UNKNOWN ? news.key : undefined;
  if (key === undefined) {
    if (news.policy !== undefined && !containsUnknown(news.policy)) {
      out.push(...checkPolicy({ policy: news.policy }).issues.map(failureOf));
    } else if (news.policy === undefined) {
      out.push({ property: "policy", reason: "is required" });
    }
    return out;
  }
  const known = (v: unknown) => (typeof v === "string" && v !== UNKNOWN ? v : undefined);
  checkPolicyAndSamples(
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
    routes,
  );
  return out;
}

/** `check` of an AliasPolicy's inputs; sample routes as for checkAliasInputs. */
export function checkAliasPolicyInputs(news: Record<string, unknown>, routes: string[] = []): CheckFailure[] {
  const limits = [
    ...apiLimitFailures({ policy: news.policy }, "the policy's body"),
    ...sampleLimitFailures(news.samples),
  ];
  if (limits.length > 0) return limits;
  const out: CheckFailure[] = [];
  checkKey(news.aliasKey, "aliasKey", out);
  const key = typeof news.aliasKey === "string" && news.aliasKey !== UNKNOWN ? news.aliasKey : "policy-check";
  checkPolicyAndSamples(
    { key },
    news.policy,
    Array.isArray(news.samples) ? news.samples : undefined,
    out,
    routes,
  );
  return out;
}

/** Agent keys a policy names, in order of first use (as the API reports unknown ones). */
export const agentKeysOf = agentsOf;
