/**
 * The plugin's resources by type token: the core's plugin adapters (src/provider/resources.ts),
 * each behind the door's names (names.ts): what the engine sends is turned to the API's names
 * of the policy document before the core sees it, and what the core answers back to Pulumi's,
 * values, secret paths and diff paths alike.
 */
import type { DiffResult } from "../provider/diff.js";
import { PLUGIN_RESOURCES, type PluginResource } from "../provider/resources.js";
import {
  ALIAS_POLICY_TYPES,
  ALIAS_TYPES,
  formatPath,
  type PropertyTypes,
  parsePath,
  renamePath,
  renameProps,
} from "./names.js";
import { ALIAS_POLICY_TOKEN, ALIAS_TOKEN } from "./schema.js";
import type { Props } from "./struct.js";

export type NativeResource = PluginResource;

/** A diff's property paths in Pulumi's names. */
function pulumiDiff(d: DiffResult, types: PropertyTypes): DiffResult {
  const detailed = Object.fromEntries(
    Object.entries(d.detailed).map(([path, kind]) => [
      formatPath(renamePath(parsePath(path), types, "pulumi")),
      kind,
    ]),
  );
  return { ...d, detailed };
}

/** Rethrows `e`, the partial state a failure after a write carries (`properties`) in Pulumi's names. */
function rethrowNamed(e: unknown, pulumi: (p: Props) => Props): never {
  const err = e as { properties?: unknown };
  if (
    typeof err === "object" &&
    err !== null &&
    typeof err.properties === "object" &&
    err.properties !== null
  )
    err.properties = pulumi(err.properties as Props);
  throw e;
}

/** `core` behind Pulumi's names of the properties `types` lists. */
function pulumiNamed(core: PluginResource, types: PropertyTypes): NativeResource {
  const api = (p: Props): Props => renameProps(p, types, "api");
  const pulumi = (p: Props): Props => renameProps(p, types, "pulumi");
  const apiPaths = (secrets: readonly (readonly (string | number)[])[]) =>
    secrets.map((s) => renamePath(s, types, "api"));
  return {
    validate: (news, secrets) => core.validate(api(news), apiPaths(secrets)),
    readState: (olds) => pulumi(core.readState(api(olds))),
    async check(olds, news, secrets) {
      const given = api(news);
      const r = await core.check(api(olds), given, apiPaths(secrets));
      // Inputs the core returns as given go back as they came.
      return { ...r, inputs: r.inputs === given ? news : pulumi(r.inputs) };
    },
    diff: (olds, news) => pulumiDiff(core.diff(api(olds), api(news)), types),
    async create(inputs, preview) {
      const r = await core.create(api(inputs), preview).catch((e: unknown) => rethrowNamed(e, pulumi));
      return { id: r.id, outs: pulumi(r.outs) };
    },
    async read(id, state) {
      const r = await core.read(id, state === undefined ? undefined : api(state));
      if (r === null) return null;
      return { id: r.id, outs: pulumi(r.outs), ...(r.inputs ? { inputs: pulumi(r.inputs) } : {}) };
    },
    update: async (id, olds, news, preview) =>
      pulumi(
        await core.update(id, api(olds), api(news), preview).catch((e: unknown) => rethrowNamed(e, pulumi)),
      ),
    delete: (id, olds) => core.delete(id, api(olds)),
  };
}

/** The resources of the package, by type token. */
export const RESOURCES: Readonly<Record<string, NativeResource>> = {
  [ALIAS_TOKEN]: pulumiNamed(PLUGIN_RESOURCES.alias, ALIAS_TYPES),
  [ALIAS_POLICY_TOKEN]: pulumiNamed(PLUGIN_RESOURCES.aliasPolicy, ALIAS_POLICY_TYPES),
};
