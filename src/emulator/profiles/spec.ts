/**
 * Reading profiles as they are given: a compact spec (`errors=0.08,latency=120ms..400ms`), a
 * seed file's object of settings, `--agent-profile KEY[SELECTOR]=SPEC`, and the session
 * selectors that limit a profile to some sessions. Issues name the setting at fault.
 */
import { isRecord } from "../../policy/index.js";
import { PROFILE_SETTINGS, SETTING_NAMES } from "./settings.js";
import {
  type AgentProfile,
  type AgentProfileEntry,
  ALIAS_SELECTOR,
  type ProfilePatch,
  ProfileSpecError,
  type SessionFacts,
  type SessionSelector,
} from "./types.js";

/** True when `session` has every value `when` names. */
export function selects(when: SessionSelector, session: SessionFacts): boolean {
  for (const [name, want] of Object.entries(when)) {
    const have = name === ALIAS_SELECTOR ? session.alias_key : session.metadata[name];
    if (have === null || have === undefined || typeof have === "object" || String(have) !== want)
      return false;
  }
  return true;
}

const SELECTOR_NAME = /^(@alias|[A-Za-z0-9_.-]{1,100})$/;

/** `tenant=eu,@alias=support` as a selector; issues name the part at fault. */
export function parseSelector(text: string, where: string): SessionSelector {
  const out: Record<string, string> = {};
  const issues: { path: string; message: string }[] = [];
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const name = (eq === -1 ? part : part.slice(0, eq)).trim();
    if (eq === -1 || !SELECTOR_NAME.test(name) || Object.hasOwn(out, name)) {
      issues.push({
        path: where,
        message: `${where}: a selector is NAME=VALUE[,NAME=VALUE]… (NAME a metadata key or ${ALIAS_SELECTOR}, each once); got '${part.trim()}'`,
      });
      continue;
    }
    out[name] = part.slice(eq + 1).trim();
  }
  if (issues.length > 0) throw new ProfileSpecError(issues);
  return Object.freeze(out);
}

interface Issue {
  path: string;
  message: string;
}

function setSetting(
  patch: ProfilePatch,
  name: keyof AgentProfile,
  value: unknown,
  where: string,
  issues: Issue[],
) {
  const r = PROFILE_SETTINGS[name].read(value);
  if (r.ok) (patch as Record<string, unknown>)[name] = r.value;
  else issues.push({ path: where, message: `${where}: ${r.detail}` });
}

function unknownSetting(name: string, where: string): Issue {
  return { path: where, message: `${where}: unknown setting '${name}' (known: ${SETTING_NAMES.join(", ")})` };
}

const join = (prefix: string, name: string): string => (prefix === "" ? name : `${prefix}.${name}`);

/**
 * Reads a profile: a compact spec (`errors=0.08,latency=120ms..400ms`) or, from a seed file,
 * an object of the same settings whose values may be structured (`latency: {p50_ms: 120,
 * p95_ms: 400}`, `error_types: {stream_error: 1}`, `tokens: {min: 100, max: 500}`). Issues
 * are prefixed with `where` (a path); an empty list means the patch is good.
 */
export function readProfile(value: unknown, where = ""): { patch: ProfilePatch; issues: Issue[] } {
  const patch: ProfilePatch = {};
  const issues: Issue[] = [];
  if (typeof value === "string") {
    const seen = new Set<string>();
    for (const part of value.split(",")) {
      const item = part.trim();
      if (item === "") continue;
      const eq = item.indexOf("=");
      const name = (eq === -1 ? item : item.slice(0, eq)).trim();
      const at = where === "" ? name : `${where}: ${name}`;
      if (!Object.hasOwn(PROFILE_SETTINGS, name)) {
        issues.push(unknownSetting(name, at));
        continue;
      }
      if (seen.has(name)) {
        issues.push({ path: at, message: `${at}: given twice` });
        continue;
      }
      seen.add(name);
      if (eq === -1) issues.push({ path: at, message: `${at}: needs a value (${name}=…)` });
      else setSetting(patch, name as keyof AgentProfile, item.slice(eq + 1).trim(), at, issues);
    }
    return { patch, issues };
  }
  if (!isRecord(value)) {
    const at = where === "" ? "profile" : where;
    issues.push({ path: at, message: `${at}: must be a spec string or an object of settings` });
    return { patch, issues };
  }
  for (const [name, v] of Object.entries(value)) {
    const at = join(where, name);
    if (!Object.hasOwn(PROFILE_SETTINGS, name)) issues.push(unknownSetting(name, at));
    else setSetting(patch, name as keyof AgentProfile, v, at, issues);
  }
  return { patch, issues };
}

/** A compact spec, checked; throws ProfileSpecError naming each bad setting. */
export function parseProfileSpec(spec: string, where = ""): ProfilePatch {
  const { patch, issues } = readProfile(spec, where);
  if (issues.length > 0) throw new ProfileSpecError(issues);
  return patch;
}

const PROFILE_FLAG = /^\s*(\*|[0-9a-zA-Z_-]{1,50})\s*(?:\[([^\]]*)\])?\s*=(.*)$/s;

/**
 * `KEY[SELECTOR]=SPEC` of `--agent-profile`: KEY an agent key, or `*` for every agent; the
 * optional SELECTOR limits it to some sessions (`support-v2[tenant=eu]=errors=0.2`).
 */
export function parseAgentProfileFlag(raw: string): AgentProfileEntry {
  const m = PROFILE_FLAG.exec(raw);
  if (m === null) {
    throw new ProfileSpecError([
      {
        path: "agent-profile",
        message: `--agent-profile must be KEY[SELECTOR]=SPEC (KEY an agent key or '*'; SELECTOR NAME=VALUE,… on session metadata or ${ALIAS_SELECTOR}), e.g. support-v2=errors=0.08 or 'support-v2[tenant=eu]=errors=0.2'; got '${raw}'`,
      },
    ]);
  }
  const [, key = "", selector, spec = ""] = m;
  const where = `--agent-profile ${key}${selector === undefined ? "" : `[${selector}]`}`;
  const when = selector === undefined ? undefined : parseSelector(selector, where);
  return { key, profile: parseProfileSpec(spec, where), ...(when === undefined ? {} : { when }) };
}

/** `base` with the settings of each patch, in order. */
export function applyProfile(
  base: AgentProfile,
  ...patches: readonly (ProfilePatch | undefined)[]
): AgentProfile {
  return Object.freeze(Object.assign({}, base, ...patches.filter((p) => p !== undefined)) as AgentProfile);
}
