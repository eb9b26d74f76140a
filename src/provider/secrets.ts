/**
 * Secret inputs in check failures: a failure never shows a value that came in as a secret.
 * Each door says where its secrets are, as paths into the inputs: the native plugin from the
 * wrappers the engine sends (src/native/struct.ts), the dynamic resources from SECRETS_KEY,
 * the names of the inputs the program gave as secrets (the engine hands a dynamic provider
 * plain values, so the resource class records which were secret as an input of its own).
 * `redactFailures` replaces each secret string (and each key of a secret object) with
 * `[secret]` (client/redact.ts), and cuts every property path and reason to a bound.
 */
import { cut, MESSAGE_LIMITS, redactor, stringsOf } from "../client/index.js";
import type { CheckFailure } from "./check.js";

/** Where a value sits in the inputs: property names and array indexes. */
export type InputPath = readonly (string | number)[];

import { SECRETS_KEY } from "./values.js";

/** The secret inputs the dynamic resources marked, as paths. */
export function markedSecrets(news: Record<string, unknown>): InputPath[] {
  const names = news[SECRETS_KEY];
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string").map((n) => [n]) : [];
}

/** Every string and object key at or under each path of `secrets` in `inputs`. */
export function secretStrings(inputs: Record<string, unknown>, secrets: readonly InputPath[]): string[] {
  return stringsOf(
    secrets.map((path) => {
      let v: unknown = inputs;
      for (const p of path)
        v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[p] : undefined;
      return v;
    }),
  );
}

/** The failures with every secret of `inputs` at `secrets` shown as `[secret]`, each cut to a bound. */
export function redactFailures(
  failures: readonly CheckFailure[],
  inputs: Record<string, unknown>,
  secrets: readonly InputPath[],
): CheckFailure[] {
  return cleanFailures(failures, redactor(secretStrings(inputs, secrets)));
}

const cleanFailures = (failures: readonly CheckFailure[], clean: (text: string) => string): CheckFailure[] =>
  failures.map((f) => ({
    property: cut(clean(f.property), MESSAGE_LIMITS.property),
    reason: cut(clean(f.reason), MESSAGE_LIMITS.reason),
  }));

/** A check's outcome with every secret of `inputs` at `secrets` shown as `[secret]`: failures as redactFailures, warnings and route lines too. */
export function redactOutcome<T extends { failures: CheckFailure[]; warnings: string[]; routes: string[] }>(
  outcome: T,
  inputs: Record<string, unknown>,
  secrets: readonly InputPath[],
): T {
  const clean = redactor(secretStrings(inputs, secrets));
  return {
    ...outcome,
    failures: cleanFailures(outcome.failures, clean),
    warnings: outcome.warnings.map(clean),
    routes: outcome.routes.map(clean),
  };
}
