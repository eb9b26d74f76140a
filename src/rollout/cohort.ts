/**
 * The canary judged on its own traffic: of the traces each agent served in a stage's window,
 * a gate keeps those of sessions created through the alias under rollout in that window and
 * routed by the canary rule (`splitByCohort`). Pure, given the sessions read (sessions.ts).
 *
 * A session's rule is found again by resolving it with the stage's policy, from the context the
 * API routed it with (ROUTING.md §2: the alias as `agent`, the session's key, name, description
 * and metadata, `currentDate` its `created_at`): deterministic, so the baseline of a
 * `match`-limited canary is the same cohort as the canary, not every user of the old agent.
 *
 * Left out, and counted by reason: traces of sessions the alias did not create in the window
 * (another alias, a session made directly on the agent, a session from before the stage), of
 * sessions another rule routed, and of sessions the stage's policy would send elsewhere (made
 * under another policy). A trace without `session_key` cannot be joined: it is kept and
 * judged with its agent's traces, and the check reports how many there were.
 */
import type { CheckedPolicy } from "../policy/index.js";
import type { LoggedSession, SessionLog } from "./sessions.js";
import type { GateTrace } from "./traces.js";

/** Where a session of the alias falls for a stage's gates. */
export type Cohort = "baseline" | "canary" | "other_rule" | "other_policy";

/** Traces a check did not judge the agents by, by reason. */
export interface LeftOut {
  /** Sessions the alias did not create: another alias, or made on the agent directly. */
  readonly elsewhere: number;
  /** Sessions of the alias created before the stage took effect. */
  readonly before_stage: number;
  /** Sessions another rule of the alias routed (a `match`-limited canary's other users, a pin). */
  readonly other_rule: number;
  /** Sessions the stage's policy would route to another agent than the one they have. */
  readonly other_policy: number;
}

export interface CohortSplit {
  readonly baseline: readonly GateTrace[];
  readonly canary: readonly GateTrace[];
  readonly leftOut: LeftOut;
  /** Traces without `session_key`: counted by their agent, since they cannot be joined. */
  readonly unjoined: number;
}

/** The alias as routing sees it (the context's `agent`). */
export interface AliasFields {
  readonly key: string;
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | null | undefined;
}

export interface CohortRule {
  /** The stage's policy, checked, with the alias key as its hash salt. */
  readonly policy: CheckedPolicy;
  readonly alias: AliasFields;
  /** 0-based index of the canary rule in the policy. */
  readonly canaryRule: number;
  readonly from: string;
  readonly to: string;
}

/** Classifies sessions for one stage; each session is resolved once. */
export class CohortClassifier {
  private readonly cache = new Map<string, Cohort>();

  constructor(private readonly rule: CohortRule) {}

  classify(s: LoggedSession): Cohort {
    let c = this.cache.get(s.key);
    if (c === undefined) {
      c = this.resolve(s);
      this.cache.set(s.key, c);
    }
    return c;
  }

  private resolve(s: LoggedSession): Cohort {
    const { policy, alias, canaryRule, from, to } = this.rule;
    let routed: { rule: number; agent_key: string };
    try {
      routed = policy.resolver.resolve({
        agent: {
          key: alias.key,
          name: alias.name,
          description: alias.description ?? "",
          metadata: alias.metadata ?? {},
        },
        session: { key: s.key, name: s.name, description: s.description, metadata: s.metadata },
        currentDate: s.createdAtText,
      });
    } catch {
      return "other_policy"; // the stage's policy could not have created it
    }
    if (routed.agent_key !== s.agentKey) return "other_policy";
    if (routed.rule - 1 !== canaryRule) return "other_rule";
    return routed.agent_key === to ? "canary" : routed.agent_key === from ? "baseline" : "other_rule";
  }
}

/**
 * The traces of the canary cohort on each agent: `from`'s traces of sessions the canary rule
 * sent to `from`, and `to`'s of those it sent to `to`, among sessions created at or after
 * `start`; the rest counted in `leftOut`, the unjoinable in `unjoined` (and kept).
 */
export function splitByCohort(
  traces: { readonly baseline: readonly GateTrace[]; readonly canary: readonly GateTrace[] },
  sessions: Pick<SessionLog, "get">,
  classifier: CohortClassifier,
  start: number,
): CohortSplit {
  const left = { elsewhere: 0, before_stage: 0, other_rule: 0, other_policy: 0 };
  let unjoined = 0;
  const keep = (list: readonly GateTrace[], want: Cohort) =>
    list.filter((t) => {
      if (t.sessionKey === null || t.sessionKey === undefined) {
        unjoined++;
        return true;
      }
      const s = sessions.get(t.sessionKey);
      if (s === undefined) left.elsewhere++;
      else if (s.createdAt < start) left.before_stage++;
      else {
        const c = classifier.classify(s);
        if (c === want && s.agentKey === t.agentKey) return true;
        if (c === "other_policy" || c === "other_rule") left[c]++;
        else left.other_policy++;
      }
      return false;
    });
  const baseline = keep(traces.baseline, "baseline");
  const canary = keep(traces.canary, "canary");
  return { baseline, canary, leftOut: left, unjoined };
}

/** All traces left out, summed. */
export const leftOutTotal = (l: LeftOut) => l.elsewhere + l.before_stage + l.other_rule + l.other_policy;
