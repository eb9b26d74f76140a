/** `GET /_emulator/stats`: what the state has counted (see `emulatorStatsSchema` in the wire types). */
import type { AliasStats, EmulatorStats } from "../../wire/index.js";
import type { Tables } from "./tables.js";

function counts(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries(map);
}

/** Usage statistics: per alias (sessions, routing errors, by agent and by rule) and the sessions' totals. */
export function stats(t: Tables, faults: EmulatorStats["faults"]): EmulatorStats {
  const aliases: [string, AliasStats][] = [];
  for (const [key, e] of t.aliases) {
    const c = e.counters;
    aliases.push([
      key,
      {
        sessions: c.sessions,
        routing_errors: c.routingErrors,
        agents: counts(c.agents),
        rules: Object.fromEntries(
          [...c.rules]
            .sort((a, b) => a[0] - b[0])
            .map(([n, r]) => [String(n), { sessions: r.sessions, agents: counts(r.agents) }]),
        ),
      },
    ]);
  }
  return {
    aliases: Object.fromEntries(aliases),
    sessions: {
      created: t.totals.created,
      through_aliases: t.totals.throughAliases,
      direct: t.totals.direct,
      stored: t.storedCount,
      evicted: t.totals.evicted,
      max_sessions: t.maxSessions,
    },
    faults,
  };
}
