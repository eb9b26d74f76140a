/**
 * The provider configuration of the native plugin: CheckConfig, DiffConfig and Configure's
 * reading of it, over the same settings as the dynamic resources' stack config (the settings
 * table, src/client/settings.ts: which settings there are, which are secret and which hold
 * URLs). Pulumi's own Node provider server answers none of these calls (its Configure ignores
 * its arguments), so an explicit provider's settings would never arrive through it.
 */
import { checkSetting, cut, SETTING_NAMES, SETTINGS, type SettingName } from "../client/index.js";
import { CONFIG_KEYS, type Connection } from "../provider/connection.js";
import type { PropertyDiff } from "../provider/diff.js";
import { redactFailures } from "../provider/secrets.js";
import { UNKNOWN } from "../provider/values.js";
import { PACKAGE } from "./schema.js";
import { isSecret, type Props, rewrap, secret, unwrap } from "./struct.js";

export type ConfigName = SettingName;

/** The settings, in the order the schema lists them. */
export const CONFIG_NAMES: ConfigName[] = SETTING_NAMES;

/** Settings the table marks secret: they are always stored as secrets, whoever set them. */
export const SECRET_CONFIG: ReadonlySet<string> = new Set(
  CONFIG_NAMES.filter((name) => SETTINGS[name].secret),
);

/** Properties the engine itself adds to every provider's inputs. */
const ENGINE_KEYS: ReadonlySet<string> = new Set([
  "version",
  "pluginDownloadURL",
  "pluginChecksums",
  "parameterization",
  "name",
  "envVarMappings",
]);

export interface ConfigFailure {
  property: string;
  reason: string;
}

/**
 * CheckConfig: the inputs as given (secret settings marked secret) and a failure, by property
 * name, for each setting of the wrong type, each URL that is not http(s), and each key the
 * provider does not know (a misspelt setting would otherwise silently fall back to the
 * environment). Unknown values (preview) pass.
 */
export function checkConfig(news: Props): { inputs: Props; failures: ConfigFailure[] } {
  const { props, secrets } = unwrap(news);
  const sentSecret = new Set(secrets.map((p) => p[0]));
  const failures: ConfigFailure[] = [];
  // The provider's settings in their order, then the keys it does not know, sorted.
  const known = CONFIG_NAMES.filter((n) => n in props);
  const rest = Object.keys(props)
    .filter((n) => !(CONFIG_NAMES as string[]).includes(n))
    .sort();
  for (const name of [...known, ...rest]) {
    const value = props[name];
    if (ENGINE_KEYS.has(name)) continue;
    if (!(CONFIG_NAMES as string[]).includes(name)) {
      const near = CONFIG_NAMES.find((n) => n.toLowerCase() === name.toLowerCase());
      failures.push({
        property: name,
        reason:
          `unknown configuration key '${cut(name)}' of the ${PACKAGE} provider` +
          (near ? ` (did you mean '${near}'?)` : `; it takes ${CONFIG_NAMES.join(", ")}`),
      });
      continue;
    }
    const reason = checkSetting(name as ConfigName, value, name, UNKNOWN, sentSecret.has(name));
    if (reason !== undefined) failures.push({ property: name, reason });
  }
  const inputs = rewrap(props, secrets);
  for (const name of SECRET_CONFIG)
    if (inputs[name] !== undefined && inputs[name] !== null && !isSecret(inputs[name]))
      inputs[name] = secret(inputs[name]);
  return { inputs, failures: redactFailures(failures, props, secrets) };
}

/** A setting as the client sees it: an empty string is no setting (the environment's applies). */
const setting = (v: unknown): unknown => (v === "" || v === null ? undefined : v);

/**
 * DiffConfig: which settings differ (an unknown new value counts as a change). No setting
 * forces a replacement: pointing the provider at another URL or key updates it in place, and
 * the resources are diffed against the new API as they are.
 */
export function diffConfig(
  olds: Props,
  news: Props,
): { changed: string[]; detailed: Record<string, PropertyDiff> } {
  const a = unwrap(olds).props;
  const b = unwrap(news).props;
  const detailed: Record<string, PropertyDiff> = {};
  for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const was = setting(a[name]);
    const now = setting(b[name]);
    if (now === UNKNOWN) detailed[name] = { kind: "UPDATE", inputDiff: true };
    else if (was === undefined && now !== undefined) detailed[name] = { kind: "ADD", inputDiff: true };
    else if (was !== undefined && now === undefined) detailed[name] = { kind: "DELETE", inputDiff: true };
    else if (JSON.stringify(was) !== JSON.stringify(now))
      detailed[name] = { kind: "UPDATE", inputDiff: true };
  }
  return { changed: Object.keys(detailed), detailed };
}

/**
 * The connection Configure was given: `args` (the typed inputs, secrets wrapped), else the
 * legacy `variables` map (`agent-alias:config:apiUrl`). A setting neither names is left to the
 * environment fallbacks of the client (AGENT_ALIAS_API_URL, VECTARA_API_KEY, ...).
 */
export function connectionFrom(args: Props | undefined, variables: ReadonlyMap<string, string>): Connection {
  const c: Connection = {};
  const plain = args ? unwrap(args).props : {};
  for (const name of CONFIG_NAMES) {
    const fromArgs = plain[name];
    const fromVariables = variables.get(`${PACKAGE}:config:${name}`) ?? variables.get(CONFIG_KEYS[name]);
    const v = fromArgs !== undefined && fromArgs !== null ? fromArgs : fromVariables;
    if (typeof v === "string" && v !== "" && v !== UNKNOWN) c[name] = v;
  }
  return c;
}
