import { credentialsOf } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { KiteApi } from "./kite/api.js";
import { createLogger, type Logger } from "./log.js";
import { BrowserLogin } from "./login/browser.js";
import { systemClock } from "./login/totp.js";
import { SecretRedactor } from "./redact.js";
import { KiteTokenError } from "./errors.js";
import { exchangeAndSave, type RefreshDeps, type StepEvent } from "./refresh.js";
import type { TokenRecord } from "./stores/record.js";
import { FileTokenStore } from "./stores/file.js";
import type { TokenStore } from "./stores/types.js";

/** The adapters, built once from configuration and passed in: the composition root. */
export interface App {
  config: Config;
  logger: Logger;
  redactor: SecretRedactor;
  store: TokenStore;
  kite(apiKey: string): KiteApi;
}

export interface AppOptions {
  logger?: Logger;
  redactor?: SecretRedactor;
  logLevel?: string;
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const redactor = options.redactor ?? new SecretRedactor();
  redactor.add(
    config.kite.apiSecret,
    config.kite.password,
    config.kite.totpSecret,
    config.server.adminToken,
  );
  const logger =
    options.logger ?? createLogger({ level: options.logLevel ?? config.logLevel, redactor });
  return {
    config,
    logger,
    redactor,
    store: new FileTokenStore(config.tokenFile),
    kite: (key) =>
      new KiteApi({ apiKey: key, apiRoot: config.kite.apiRoot, timeoutMs: config.timeouts.apiMs }),
  };
}

/** Everything the refresh pipeline needs, for a configuration with full credentials. */
export function refreshDeps(
  app: App,
  extra: { onStep?: (event: StepEvent) => void; signal?: AbortSignal; runTag?: string } = {},
): RefreshDeps {
  const credentials = credentialsOf(app.config);
  return {
    credentials,
    loginUrl: app.config.kite.loginUrl,
    redirectUrl: app.config.kite.redirectUrl,
    kite: app.kite(credentials.apiKey),
    login: new BrowserLogin({
      browserPath: app.config.browser.path,
      noSandbox: app.config.browser.noSandbox,
      ...(extra.runTag ? { runTag: extra.runTag } : {}),
    }),
    store: app.store,
    clock: systemClock,
    timeouts: { stepMs: app.config.timeouts.stepMs, redirectMs: app.config.timeouts.redirectMs },
    logger: app.logger,
    redactor: app.redactor,
    ...(extra.onStep ? { onStep: extra.onStep } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
  };
}

/**
 * The manual fallback: exchanges a request token with the configured app, verifies it and
 * saves it through the store (`kite-token exchange`, the console's callback and API).
 */
export async function exchangeForApp(
  app: App,
  requestToken: string,
  onStep?: (event: StepEvent) => void,
): Promise<TokenRecord> {
  const { apiKey, apiSecret } = app.config.kite;
  if (!apiKey || !apiSecret) {
    throw new KiteTokenError(
      "CONFIG_INVALID",
      "KITE_API_KEY and KITE_API_SECRET must be set to exchange a request token.",
    );
  }
  app.redactor.add(requestToken);
  return exchangeAndSave(requestToken, {
    kite: app.kite(apiKey),
    apiSecret,
    store: app.store,
    logger: app.logger,
    redactor: app.redactor,
    ...(onStep ? { onStep } : {}),
  });
}
