import { CREDENTIALS_IN_URL } from "../core/redact.js";
import { SECRET_VARIABLES } from "./settings.js";

/**
 * Settings that are not secrets themselves but may carry one (TOKEN_STORES holds a Redis
 * password in its URL): kept from child processes too.
 */
const CARRIES_SECRETS = ["TOKEN_STORES"];

/**
 * The environment a hook (POST_REFRESH_COMMAND) starts with; the login host and Chromium
 * keep fewer (see browserEnv). This process's, without any variable the configuration reads a secret from: the secret
 * settings (their `NAME_FILE` forms stay: those are paths), the accounts file's
 * `<field>_env` variables (`names`), settings that carry secrets, and any variable whose
 * value is a URL with a password in it.
 */
export function childEnv(
  names: Iterable<string> = [],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const dropped = new Set<string>([...SECRET_VARIABLES, ...CARRIES_SECRETS, ...names]);
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || dropped.has(name) || CREDENTIALS_IN_URL.test(value)) continue;
    kept[name] = value;
  }
  return kept;
}
