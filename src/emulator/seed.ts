/**
 * `--seed FILE`: agents and aliases to create at start, as YAML or JSON (by content):
 *
 * ```yaml
 * agents:
 *   - { key: support-v1, name: Support v1 }
 *   - key: support-v2
 *     name: Support v2
 *     profile: "errors=0.08,latency=120ms..400ms"   # or {errors: 0.08, latency: {p50_ms: 120, p95_ms: 400}}
 * aliases:
 *   - key: support
 *     name: Customer Support
 *     policy: { type: routed, rules: [ { targets: { type: single, agent_key: support-v1 } } ] }
 * ```
 * Each entry is the body of `POST /v2/agents` or `POST /v2/agent_aliases` and is checked the
 * same way; an agent entry may add `profile`, how the agent behaves in its traces
 * (profiles/: a spec string or an object of the same settings), and `profiles: [{when:
 * {tenant: eu}, profile: …}]`, how it behaves for the sessions a selector picks (metadata
 * values, or `@alias`), which are not part of the agent and apply whether the agent is created
 * or exists already. `api_keys: [{key,
 * role?}]` and `oauth_clients: [{id, secret, role?}]` add credentials, as `--api-key` and
 * `--oauth-client` do. An entry whose key already exists (replayed from `--data`) is skipped,
 * so the same seed can be given on every start.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { DocumentError, parseDocument } from "../policy/documents.js";
import { ROLES } from "../wire/index.js";
import type { ApiKeySpec, OAuthClientSpec } from "./auth.js";
import { HttpProblem } from "./errors.js";
import { type AgentProfileEntry, parseSelector, readProfile } from "./profiles/index.js";
import type { WriteResult } from "./state/records.js";
import type { Store } from "./state/store.js";
import { checkJsonTree, zodIssues } from "./validation.js";

const roleSchema = z.enum(ROLES);

export const seedDocumentSchema = z.strictObject({
  agents: z.array(z.unknown()).optional(),
  aliases: z.array(z.unknown()).optional(),
  /** API keys and their roles, beside those of `--api-key`. */
  api_keys: z.array(z.strictObject({ key: z.string().min(1), role: roleSchema.optional() })).optional(),
  /** OAuth clients, beside those of `--oauth-client`. */
  oauth_clients: z
    .array(z.strictObject({ id: z.string().min(1), secret: z.string().min(1), role: roleSchema.optional() }))
    .optional(),
});

export interface SeedDocument {
  agents?: readonly unknown[];
  aliases?: readonly unknown[];
  api_keys?: readonly ApiKeySpec[];
  oauth_clients?: readonly OAuthClientSpec[];
}

export class SeedError extends Error {
  override readonly name = "SeedError";
  readonly code = "invalid_seed" as const;
  constructor(
    readonly source: string,
    readonly messages: readonly string[],
  ) {
    super(`${source}: ${messages.join("; ")}`);
  }
}

/** Reads and shape-checks a seed file; throws SeedError naming the bad field. */
export function loadSeed(path: string): SeedDocument {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new SeedError(path, [`cannot read: ${(e as Error).message}`]);
  }
  return parseSeed(text, path);
}

/** Parses and shape-checks a seed document's text (`source` names it in errors, `-` for standard input). */
export function parseSeed(text: string, path: string): SeedDocument {
  let doc: unknown;
  try {
    doc = parseDocument(text, path);
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    throw new SeedError(path, [e.at ? `${e.at}: ${e.detail}` : e.detail]);
  }
  return checkSeed(path, doc ?? {});
}

function checkSeed(source: string, doc: unknown): SeedDocument {
  const tree = checkJsonTree(doc);
  if (tree) throw new SeedError(source, [tree.message]);
  const r = seedDocumentSchema.safeParse(doc);
  if (!r.success)
    throw new SeedError(
      source,
      zodIssues(r.error, doc).map((i) => i.message),
    );
  return r.data as SeedDocument;
}

function keyOf(v: unknown): string | undefined {
  const k = (v as { key?: unknown } | null)?.key;
  return typeof k === "string" ? k : undefined;
}

/** An agent entry without its `profile` and `profiles`, and the profiles read (issues at `agents[i].profile…`). */
function splitProfile(
  source: string,
  body: unknown,
  i: number,
): {
  body: unknown;
  profile: AgentProfileEntry["profile"] | undefined;
  cohorts: Omit<AgentProfileEntry, "key">[];
} {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return { body, profile: undefined, cohorts: [] };
  const { profile, profiles, ...rest } = body as Record<string, unknown>;
  const issues: string[] = [];
  let patch: AgentProfileEntry["profile"] | undefined;
  if (profile !== undefined) {
    const r = readProfile(profile, `agents[${i}].profile`);
    issues.push(...r.issues.map((x) => x.message));
    patch = r.patch;
  }
  const cohorts: Omit<AgentProfileEntry, "key">[] = [];
  if (profiles !== undefined && !Array.isArray(profiles))
    issues.push(`agents[${i}].profiles: must be a list of {when, profile}`);
  for (const [j, item] of (Array.isArray(profiles) ? profiles : []).entries()) {
    const at = `agents[${i}].profiles[${j}]`;
    const entry = item as { when?: unknown; profile?: unknown } | null;
    const when = entry?.when;
    const extra =
      entry === null || typeof entry !== "object"
        ? []
        : Object.keys(entry).filter((k) => k !== "when" && k !== "profile");
    if (
      entry === null ||
      typeof entry !== "object" ||
      extra.length > 0 ||
      typeof when !== "object" ||
      when === null ||
      Array.isArray(when)
    ) {
      issues.push(
        `${at}: must be {when: {NAME: VALUE, …}, profile: SPEC}${extra.length > 0 ? `; unknown field '${extra[0]}'` : ""}`,
      );
      continue;
    }
    const text = Object.entries(when)
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join(",");
    try {
      const selector = parseSelector(text, `${at}.when`);
      const r = readProfile(entry.profile, `${at}.profile`);
      issues.push(...r.issues.map((x) => x.message));
      cohorts.push({ profile: r.patch, when: selector });
    } catch (e) {
      issues.push((e as Error).message);
    }
  }
  if (issues.length > 0) throw new SeedError(source, issues);
  return { body: rest, profile: patch, cohorts };
}

/**
 * Creates the seed's agents, then its aliases, through the store's own checks, persisting
 * each write with `persist`. Returns how many were created and skipped, and the agents'
 * profiles (by key) for the app to apply.
 */
export async function seedStore(
  store: Store,
  seed: SeedDocument,
  persist: (w: WriteResult<unknown>) => Promise<void>,
  source = "seed",
): Promise<{ created: number; skipped: number; profiles: AgentProfileEntry[] }> {
  const doc = checkSeed(source, seed);
  let created = 0;
  let skipped = 0;
  const profiles: AgentProfileEntry[] = [];
  const split = (doc.agents ?? []).map((b, i) => splitProfile(source, b, i));
  const run = async (
    list: readonly unknown[] | undefined,
    name: string,
    exists: (key: string) => boolean,
    create: (b: unknown) => WriteResult<unknown>,
    made: (i: number, key: string) => void = () => {},
  ) => {
    for (const [i, body] of (list ?? []).entries()) {
      const key = keyOf(body);
      if (key !== undefined && exists(key)) {
        made(i, key);
        skipped++;
        continue;
      }
      let w: WriteResult<unknown>;
      try {
        w = create(body);
      } catch (e) {
        if (e instanceof HttpProblem)
          throw new SeedError(
            source,
            e.messages.map((m) => `${name}[${i}]: ${m}`),
          );
        throw e;
      }
      await persist(w);
      made(i, keyOf(w.value) ?? "");
      created++;
    }
  };
  await run(
    split.map((s) => s.body),
    "agents",
    (k) => store.hasAgent(k),
    (b) => store.createAgent(b),
    (i, key) => {
      const profile = split[i]?.profile;
      if (profile !== undefined) profiles.push({ key, profile });
      for (const c of split[i]?.cohorts ?? []) profiles.push({ key, ...c });
    },
  );
  await run(
    doc.aliases,
    "aliases",
    (k) => store.hasAlias(k),
    (b) => store.createAlias(b),
  );
  return { created, skipped, profiles };
}
