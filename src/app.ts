import { credentialsOf } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { KiteApi } from "./kite/api.js";
import { createLogger, type Logger } from "./log.js";
import { BrowserLogin } from "./login/browser.js";
import { systemClock } from "./login/totp.js";
import { SecretRedactor } from "./redact.js";
import type { RefreshDeps } from "./refresh.js";
import { FileTokenStore } from "./stores/file.js";
import type { TokenStore } from "./stores/types.js";
import { FileLoginLock } from "./lock/file.js";
import type { LoginLock } from "./lock/types.js";
import { FailureEvidence } from "./login/evidence.js";
import { TwofaBudget } from "./worker/budget.js";
import { StateFile } from "./worker/state.js";

/** The adapters, built once from configuration and passed in: the composition root. */
export interface App {
  config: Config;
  logger: Logger;
  redactor: SecretRedactor;
  store: TokenStore;
  kite(apiKey: string): KiteApi;
  /** The single-login lock, the state file (run history) and the day's 2FA budget. */
  lock: LoginLock;
  state: StateFile;
  budget: TwofaBudget;
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
    ...workerParts(config),
  };
}

function workerParts(config: Config): Pick<App, "lock" | "state" | "budget"> {
  const state = new StateFile(config.worker.stateFile);
  return {
    lock: new FileLoginLock(config.worker.lockFile),
    state,
    budget: new TwofaBudget(state),
  };
}

/** Everything the refresh pipeline needs, for a configuration with full credentials. */
export function refreshDeps(
  app: App,
  extra: Pick<RefreshDeps, "onStep" | "signal" | "trigger" | "onOutcome"> & {
    runTag?: string;
  } = {},
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
      onFailure: (page, code) =>
        new FailureEvidence({
          dir: app.config.worker.artifactsDir,
          scrub: (text) => app.redactor.scrub(text),
        }).capture(page, code),
    }),
    store: app.store,
    clock: systemClock,
    timeouts: { stepMs: app.config.timeouts.stepMs, redirectMs: app.config.timeouts.redirectMs },
    logger: app.logger,
    redactor: app.redactor,
    lock: app.lock,
    lockWaitMs: app.config.worker.lockWaitMs,
    budget: app.budget,
    history: app.state,
    ...(extra.onStep ? { onStep: extra.onStep } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
    ...(extra.trigger ? { trigger: extra.trigger } : {}),
    ...(extra.onOutcome ? { onOutcome: extra.onOutcome } : {}),
  };
}
