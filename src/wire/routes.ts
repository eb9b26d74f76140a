/**
 * The routes of the API (API.md): each operation's method and path templates
 * (`/v2/agent_aliases/:alias_key`), declared with its roles in roles.ts's one table of
 * operations. Sessions and events have two, one under an alias and one under an agent. The
 * emulator registers its handlers from it (and refuses a `/v2/` route it does not hold) and
 * its roles check reads the operation of a route from it; the client takes the method and
 * path of each call from it. An operation without a route does not compile.
 */
import { type HttpMethod, OPERATIONS, type Operation, type OperationSpec } from "./roles.js";

export type { HttpMethod };

/** The route of one operation: its method and every path template it is served at. */
export type RouteSpec = Pick<OperationSpec, "method" | "paths">;

/** Every operation's route: the `method` and `paths` of roles.ts's table. */
export const API_ROUTES: { readonly [O in Operation]: Pick<(typeof OPERATIONS)[O], "method" | "paths"> } =
  OPERATIONS;

type Routes = typeof API_ROUTES;

/** The parameter names of a path template: `"alias_key" | "session_key"`. */
export type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The path templates of an operation. */
export type PathOf<O extends Operation> = Routes[O]["paths"][number];

/** The parameters that fill one of the operation's paths (one object type per path). */
export type PathParams<O extends Operation> = {
  [P in PathOf<O>]: Readonly<Record<PathParamNames<P>, string>>;
}[PathOf<O>];

const PARAM_RE = /:([A-Za-z_]+)/g;

function paramNames(template: string): string[] {
  return [...template.matchAll(PARAM_RE)].map((m) => m[1]!);
}

/**
 * The path of a call: the operation's template whose parameters are exactly those given,
 * each filled with `encodeURIComponent` of its value. Throws when no template takes those
 * parameters (a programming error: the types prevent it).
 */
export function routePath<O extends Operation>(operation: O, params: PathParams<O>): string {
  const given = params as Readonly<Record<string, string | undefined>>;
  const names = Object.keys(given)
    .filter((k) => given[k] !== undefined)
    .sort();
  const template = API_ROUTES[operation].paths.find((t: string) => {
    const wanted = paramNames(t).sort();
    return wanted.length === names.length && wanted.every((n, i) => n === names[i]);
  });
  if (template === undefined)
    throw new Error(`${operation}: no path takes the parameters [${names.join(", ")}]`);
  return template.replace(PARAM_RE, (_, name: string) => encodeURIComponent(given[name]!));
}

const BY_ROUTE: ReadonlyMap<string, Operation> = new Map(
  (Object.entries(API_ROUTES) as [Operation, RouteSpec][]).flatMap(([operation, r]) =>
    r.paths.map((path): [string, Operation] => [`${r.method} ${path}`, operation]),
  ),
);

/**
 * The operation of a route, by method and path template (`GET /v2/agents/:agent_key`), or
 * undefined when the table holds no such route.
 */
export function routeOperation(method: string, path: string): Operation | undefined {
  return BY_ROUTE.get(`${method} ${path}`);
}
