/**
 * The core's failures and errors as Terraform diagnostics. A check failure names its
 * property as the core writes paths (`policy.rules[1].match`, `samples[0].expect`); the
 * diagnostic carries it as an attribute path (the host points at the configuration there)
 * and says it in Terraform's names. An error from a lifecycle step is sent with the core's
 * message as it is: the same words as the other doors.
 */
import type { CheckFailure } from "../provider/check.js";
import { snake } from "./names.js";
import type { AttributePathStep, Diagnostic } from "./proto.js";

/** The steps of a core path: `policy.rules[1].match`, `metadata["a b"]`; the top name in snake_case. */
export function pathSteps(path: string): AttributePathStep[] {
  const steps: AttributePathStep[] = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    if (m[1] !== undefined) steps.push({ attribute_name: steps.length === 0 ? snake(m[1]) : m[1] });
    else if (m[2] !== undefined) steps.push({ element_key_int: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ element_key_string: JSON.parse(`"${m[3]}"`) as string });
  }
  return steps;
}

/** A path in Terraform's words: `policy.rules[1].match`. */
export function tfPath(steps: readonly AttributePathStep[]): string {
  return steps
    .map((s, i) =>
      s.attribute_name !== undefined
        ? `${i === 0 ? "" : "."}${s.attribute_name}`
        : s.element_key_int !== undefined
          ? `[${s.element_key_int}]`
          : `[${JSON.stringify(s.element_key_string)}]`,
    )
    .join("");
}

/** An error at an attribute: the summary names it, the detail is the core's reason. */
export function attributeError(steps: AttributePathStep[], reason: string): Diagnostic {
  return { severity: "ERROR", summary: `Invalid ${tfPath(steps)}`, detail: reason, attribute: { steps } };
}

/** Check failures as diagnostics at their attributes. */
export const failureDiagnostics = (failures: readonly CheckFailure[]): Diagnostic[] =>
  failures.map((f) => attributeError(pathSteps(f.property), f.reason));

/** A warning (shown in plan and apply output). */
export const warning = (summary: string, detail: string, steps?: AttributePathStep[]): Diagnostic => ({
  severity: "WARNING",
  summary,
  detail,
  ...(steps ? { attribute: { steps } } : {}),
});

/** A thrown error as a diagnostic: its first line is the summary, the rest the detail. */
export function errorDiagnostic(e: unknown): Diagnostic {
  const message = e instanceof Error ? e.message : String(e);
  const nl = message.indexOf("\n");
  return nl === -1
    ? { severity: "ERROR", summary: message, detail: "" }
    : { severity: "ERROR", summary: message.slice(0, nl), detail: message.slice(nl + 1) };
}
