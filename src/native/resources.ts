/** The plugin's resources by type token: the core's plugin adapters (src/provider/resources.ts). */
import { PLUGIN_RESOURCES, type PluginResource } from "../provider/resources.js";
import { ALIAS_POLICY_TOKEN, ALIAS_TOKEN } from "./schema.js";

export type NativeResource = PluginResource;

/** The resources of the package, by type token. */
export const RESOURCES: Readonly<Record<string, NativeResource>> = {
  [ALIAS_TOKEN]: PLUGIN_RESOURCES.alias,
  [ALIAS_POLICY_TOKEN]: PLUGIN_RESOURCES.aliasPolicy,
};
