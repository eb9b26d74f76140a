/**
 * `pulumi-agent-alias/client`: a typed HTTP client of the agent alias API (API.md) on
 * undici, with zod-validated answers, timeouts and bounded retries.
 */
export { AgentAliasClient, type AliasQuery, type SessionPath, sameFields } from "./client.js";
export { ApiError, type ApiErrorCode, codeForStatus, isApiError } from "./errors.js";
export { retryAfterMs } from "./http.js";
export {
  AGENT_LOOKUP,
  CLIENT_DEFAULTS,
  type ClientOptions,
  DEFAULT_API_URL,
  isHttpUrl,
  type RetryOptions,
} from "./options.js";
export { cut, MESSAGE_LIMITS, redact, redactJson, redactor, SECRET, shown, stringsOf } from "./redact.js";
export {
  CONFIG_NAMESPACE,
  checkSetting,
  clientOptionsOf,
  configKey,
  DEFAULT_TOKEN_URL,
  SETTING_NAMES,
  SETTINGS,
  SETTINGS_DOC,
  type SettingName,
  type SettingSpec,
  type SettingValues,
  settingDoc,
  settings,
} from "./settings.js";
