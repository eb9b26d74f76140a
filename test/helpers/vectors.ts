/** Loads the contract's test vectors from the project's own copy (test/fixtures/vectors). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const VECTORS_DIR = fileURLToPath(new URL("../fixtures/vectors/", import.meta.url));
/** `../shared/spec/vectors` beside the checkout, when it exists (not in a user's clone). */
export const SHARED_VECTORS_DIR = fileURLToPath(new URL("../../../shared/spec/vectors/", import.meta.url));

export function loadVectors<T>(name: "expressions" | "resolve" | "split"): T {
  return JSON.parse(readFileSync(`${VECTORS_DIR}${name}.json`, "utf8")) as T;
}

export interface ExpressionVectors {
  context: Record<string, unknown>;
  cases: ({ expr: string; type: string; value: unknown } | { expr: string; error: true; why: string })[];
}

export interface ResolveVectors {
  cases: (
    | { name: string; alias: unknown; context: unknown; expect: Record<string, unknown> }
    | { name: string; alias: unknown; invalid: string }
  )[];
}

export type SplitVectors = {
  alias_key: string;
  options: { agent_key: string; weight: number }[];
  partition_value: unknown;
  partition_string: string;
  agent_key: string;
}[];
