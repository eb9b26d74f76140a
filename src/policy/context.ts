/** Routing contexts (ROUTING.md §2) and the helper that fills `agent` from an alias document. */

export interface RoutingContext {
  agent?: { key?: string; name?: string; description?: string; metadata?: Record<string, unknown> };
  session?: { key?: string; name?: string; description?: string; metadata?: Record<string, unknown> };
  currentDate?: string;
  [extra: string]: unknown;
}

/**
 * Returns `context` with `agent` filled from the alias document (key, name, description,
 * metadata) when the context has no `agent`; a context that has one is returned as is.
 */
export function fillAgent(
  doc: {
    key?: string | undefined;
    name?: string | undefined;
    description?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
  },
  context: RoutingContext,
): RoutingContext {
  if (context.agent !== undefined) return context;
  return {
    ...context,
    agent: {
      key: doc.key ?? "",
      name: doc.name ?? "",
      description: doc.description ?? "",
      metadata: doc.metadata ?? {},
    },
  };
}
