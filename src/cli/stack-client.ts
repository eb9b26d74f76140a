/**
 * The API client of a stack, as its program's provider reaches the API: each connection
 * setting (client/settings.ts) from the stack config key the provider reads (`agent-alias:apiUrl`,
 * …) or the one named by its flag (`--api-url-config apiUrl`), else its environment variable.
 * A key named on the command line must be there: no silent fall-back to the environment.
 */
import { AgentAliasClient } from "../client/client.js";
import { clientOptionsOf, SETTING_NAMES, type SettingName } from "../client/settings.js";
import { PROVIDER_API_KEYS, type RolloutStack } from "../rollout/stack.js";
import { type SettingFlag, settingFlag } from "./args.js";
import { InputError } from "./io.js";

export async function stackClient(
  stack: RolloutStack,
  values: { stack?: string | undefined } & { [F in SettingFlag]?: string | undefined },
  env: Record<string, string | undefined>,
): Promise<AgentAliasClient> {
  const keys = Object.fromEntries(
    SETTING_NAMES.map((name) => [name, values[settingFlag(name)] ?? PROVIDER_API_KEYS[name]]),
  ) as Record<SettingName, string>;
  const api = await stack.apiConfig(keys);
  for (const name of SETTING_NAMES) {
    const flag = settingFlag(name);
    const key = values[flag];
    if (key !== undefined && api[name] === undefined)
      throw new InputError(`--${flag} ${key}: stack '${values.stack}' has no config '${key}'`);
  }
  return new AgentAliasClient(clientOptionsOf(api, { env }));
}
