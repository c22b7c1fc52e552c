import { credentialsOf } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { KiteApi } from "./kite/api.js";
import { createLogger, type Logger } from "./log.js";
import { createLoginStrategy } from "./login/registry.js";
import { systemClock } from "./login/totp.js";
import { SecretRedactor } from "./redact.js";
import type { RefreshDeps, StepEvent } from "./refresh.js";
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
  redactor.add(config.kite.apiSecret, config.kite.password, config.kite.totpSecret);
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
    login: createLoginStrategy(app.config.loginStrategy, {
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
