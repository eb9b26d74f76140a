/**
 * Inputs and outputs of the resources, their defaults, and the helpers every lifecycle
 * method shares: unknown-value detection (preview), normalisation, and comparison.
 */
import type { Policy, Sample } from "../policy/index.js";
import {
  ALIAS_FIELDS,
  type Alias,
  type AliasFieldName,
  type AliasFieldSpec,
  aliasFields,
  type CreateAliasBody,
  canonicalDocument,
  fieldsUpdatedBy,
  type PatchAliasBody,
} from "../wire/index.js";

/** The engine's stand-in for a value not known until apply (rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * The input of the dynamic resources that lists the names of their inputs given as secrets:
 * the engine hands a dynamic provider plain values, so the resource class records which were
 * secret (provider/secrets.ts keeps them out of check failures). The engine treats properties
 * starting with `__` as internal (not shown in diffs); no diff compares it and nothing sends
 * it to the API.
 */
export const SECRETS_KEY = "__secrets";

/** Version of the outputs' layout; older state (no version) is still read. */
export const STATE_VERSION = 1;

export interface AliasInputs {
  key: string;
  name: string;
  description?: string | undefined;
  enabled?: boolean | undefined;
  metadata?: Record<string, unknown> | undefined;
  policy: Policy;
  samples?: Sample[] | undefined;
  /** Adopt an alias that already exists with this key instead of failing (pulumi import does not work for dynamic providers). */
  adopt?: boolean | undefined;
}

export interface AliasOutputs extends AliasInputs {
  description: string;
  enabled: boolean;
  metadata: Record<string, unknown>;
  samples: Sample[];
  createdAt: string;
  updatedAt: string;
  stateVersion: number;
}

export interface AliasPolicyInputs {
  aliasKey: string;
  policy: Policy;
  samples?: Sample[] | undefined;
}

export interface AliasPolicyOutputs extends AliasPolicyInputs {
  samples: Sample[];
  /** The policy the alias had before this resource took it over; restored on delete. */
  previousPolicy: Policy;
  updatedAt: string;
  stateVersion: number;
}

/** True when `v` is, or contains, the engine's unknown-value sentinel. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** Canonical JSON for field-by-field comparison (wire/canonical.ts). */
export const canonical = canonicalDocument;

export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** A field's value, or the field's `none` (the API's default) when it is not given. */
function givenOr(name: AliasFieldName, v: unknown): unknown {
  const f: AliasFieldSpec = ALIAS_FIELDS[name];
  return v === undefined || v === null ? f.none?.() : v;
}

/** Fields compared by diff, with defaults applied: every field of the table marked `diff`. */
export function diffFields(i: Record<string, unknown>): [AliasFieldName, unknown][] {
  return aliasFields()
    .filter(([, f]) => f.diff)
    .map(([name]) => [name, givenOr(name, i[name])]);
}

/** The body of `POST /v2/agent_aliases`: every input the API takes, as given. */
export function createBody(inputs: AliasInputs): CreateAliasBody {
  const body: Record<string, unknown> = {};
  for (const [name, f] of aliasFields()) {
    const v = inputs[name as keyof AliasInputs];
    if (f.wire !== undefined && f.update !== "output" && v !== undefined) body[f.wire] = v;
  }
  return body as CreateAliasBody;
}

/** The PATCH body that brings `have` to `want` (the `patch` fields that differ), and whether the policy differs. */
export function changesBetween(
  have: Partial<AliasInputs>,
  want: Partial<AliasInputs>,
): { patch: PatchAliasBody; policy: boolean } {
  const patch: Record<string, unknown> = {};
  for (const name of fieldsUpdatedBy("patch")) {
    const w = givenOr(name, want[name as keyof AliasInputs]);
    const wire = (ALIAS_FIELDS[name] as AliasFieldSpec).wire ?? name;
    if (!same(givenOr(name, have[name as keyof AliasInputs]), w)) patch[wire] = w;
  }
  const policy = fieldsUpdatedBy("policy").some(
    (name) => !same(have[name as keyof AliasInputs], want[name as keyof AliasInputs]),
  );
  return { patch: patch as PatchAliasBody, policy };
}

/**
 * Outputs from the inputs that were applied and the alias the API answered with: each wire
 * field as the API answered it, the provider's own inputs (samples, adopt) as given.
 */
export function aliasOutputs(inputs: Partial<AliasInputs>, alias: Alias): AliasOutputs {
  const out: Record<string, unknown> = {};
  for (const [name, f] of aliasFields()) {
    if (f.wire !== undefined) out[name] = (alias as Record<string, unknown>)[f.wire];
    else {
      const v = givenOr(name, inputs[name as keyof AliasInputs]);
      if (v !== undefined) out[name] = v;
    }
  }
  out.updatedAt ??= alias.created_at;
  out.stateVersion = STATE_VERSION;
  return out as unknown as AliasOutputs;
}

/**
 * The inputs that manage an alias as it now is (`outs`: its outputs): every field a program
 * sets, unless it holds the API's default. Read returns them on import and on refresh, so the
 * engine diffs the program's inputs against what the API has: drift shows as
 * `name: "Renamed by hand" => "Chat assistant"`.
 */
export function inputsOfAlias(outs: Record<string, unknown>): Partial<AliasInputs> {
  const inputs: Record<string, unknown> = {};
  for (const [name, f] of aliasFields()) {
    if (f.update === "output") continue;
    const v = outs[name];
    if (v === undefined || (f.none !== undefined && same(v, f.none()))) continue;
    inputs[name] = v;
  }
  return inputs as Partial<AliasInputs>;
}

/**
 * Reads outputs written by any version of this provider: missing fields take the API's
 * defaults, and timestamps in snake_case (as the earliest versions wrote them) are read.
 */
export function readAliasState(props: Record<string, unknown>): Partial<AliasOutputs> & { key: string } {
  const p = props as Partial<AliasOutputs> & { created_at?: string; updated_at?: string; key: string };
  const out: Record<string, unknown> = { ...p };
  for (const [name] of aliasFields()) {
    const v = givenOr(name, p[name as keyof AliasOutputs]);
    if (v !== undefined) out[name] = v;
  }
  out.createdAt = p.createdAt ?? p.created_at ?? "";
  out.updatedAt = p.updatedAt ?? p.updated_at ?? out.createdAt;
  return out as Partial<AliasOutputs> & { key: string };
}

/**
 * Reads AliasPolicy outputs written by any version of this provider: missing samples are
 * none, and a missing previous policy is the policy itself (destroy then leaves it as it is,
 * as a refresh without one does).
 */
export function readAliasPolicyState(
  props: Record<string, unknown>,
): Partial<AliasPolicyOutputs> & { aliasKey: string } {
  const p = props as Partial<AliasPolicyOutputs> & { aliasKey: string };
  return {
    ...p,
    samples: p.samples ?? [],
    ...(p.previousPolicy === undefined && p.policy ? { previousPolicy: p.policy } : {}),
  };
}
