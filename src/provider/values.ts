/**
 * Inputs and outputs of the resources, their defaults, and the helpers every lifecycle
 * method shares: unknown-value detection (preview), normalisation, and comparison.
 */
import type { Policy, Sample } from "../policy/index.js";
import { type Alias, canonicalFields } from "../wire/index.js";

/** The engine's stand-in for a value not known until apply (rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

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

/**
 * Canonical JSON (sorted keys, undefined dropped) for field-by-field comparison; a rule's
 * `match: null` counts as no match, as the API stores it.
 */
export const canonical = (v: unknown): string => canonicalFields(v, (k, x) => k === "match" && x === null);

export const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** The fields the API stores, with the API's defaults applied. */
export function apiFields(i: Partial<AliasInputs>) {
  return {
    name: i.name,
    description: i.description ?? "",
    enabled: i.enabled ?? true,
    metadata: i.metadata ?? {},
    policy: i.policy,
  };
}

/** Outputs from the inputs that were applied and the alias the API answered with. */
export function aliasOutputs(inputs: Partial<AliasInputs>, alias: Alias): AliasOutputs {
  return {
    key: alias.key,
    name: alias.name,
    description: alias.description,
    enabled: alias.enabled,
    metadata: alias.metadata,
    policy: alias.policy,
    samples: inputs.samples ?? [],
    ...(inputs.adopt !== undefined ? { adopt: inputs.adopt } : {}),
    createdAt: alias.created_at,
    updatedAt: alias.updated_at ?? alias.created_at,
    stateVersion: STATE_VERSION,
  };
}

/**
 * Reads outputs written by any version of this provider: missing fields take the API's
 * defaults, and snake_case timestamps (written before the outputs were camelCase) are read.
 */
export function readAliasState(props: Record<string, unknown>): Partial<AliasOutputs> & { key: string } {
  const p = props as Partial<AliasOutputs> & { created_at?: string; updated_at?: string; key: string };
  return {
    ...p,
    description: p.description ?? "",
    enabled: p.enabled ?? true,
    metadata: p.metadata ?? {},
    samples: p.samples ?? [],
    createdAt: p.createdAt ?? p.created_at ?? "",
    updatedAt: p.updatedAt ?? p.updated_at ?? p.createdAt ?? p.created_at ?? "",
  };
}
