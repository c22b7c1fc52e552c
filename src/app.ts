import { credentialsOf } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { KiteApi } from "./kite/api.js";
import { createLogger, type Logger } from "./log.js";
import { BrowserLogin } from "./login/browser.js";
import { systemClock } from "./login/totp.js";
import { SecretRedactor } from "./redact.js";
import type { RefreshDeps, StepEvent } from "./refresh.js";
import { CompositeTokenStore, type WriteReport } from "./stores/composite.js";
import { RedisConnections } from "./stores/redis-connections.js";
import { createReadableStore, createSink, type StoreDeps } from "./stores/registry.js";
import { redisPassword } from "./stores/spec.js";

/** The adapters, built once from configuration and passed in: the composition root. */
export interface App {
  config: Config;
  logger: Logger;
  redactor: SecretRedactor;
  /** Every configured store as one: reads from the primary, writes to all. */
  store: CompositeTokenStore;
  /** Redis clients shared by the stores and the login lock. */
  redis: RedisConnections;
  kite(apiKey: string): KiteApi;
  /** Closes the connections the stores hold (Redis). */
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  redactor?: SecretRedactor;
  logLevel?: string;
  /** Told after each token write, with how every secondary store fared. */
  onStoreWrite?: (report: WriteReport) => void;
}

/** Builds the configured stores: the first is primary, the others receive copies. */
export function buildStores(
  config: Config,
  deps: { redis: RedisConnections; logger: Logger; onWrite?: (report: WriteReport) => void },
): CompositeTokenStore {
  const storeDeps: StoreDeps = {
    redis: deps.redis,
    userId: config.kite.userId,
    github: { ...config.delivery.github, timeoutMs: config.timeouts.apiMs },
    logger: deps.logger,
  };
  const [primary, ...secondaries] = config.delivery.stores;
  if (!primary) throw new Error("no token store configured");
  return new CompositeTokenStore(
    createReadableStore(primary, storeDeps),
    secondaries.map((spec) => createSink(spec, storeDeps)),
    { logger: deps.logger, ...(deps.onWrite ? { onWrite: deps.onWrite } : {}) },
  );
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const redactor = options.redactor ?? new SecretRedactor();
  redactor.add(config.kite.apiSecret, config.kite.password, config.kite.totpSecret);
  redactor.add(config.delivery.github.token);
  for (const spec of config.delivery.stores)
    if (spec.kind === "redis") redactor.add(redisPassword(spec.url));
  const logger =
    options.logger ?? createLogger({ level: options.logLevel ?? config.logLevel, redactor });
  const redis = new RedisConnections();
  const store = buildStores(config, {
    redis,
    logger,
    ...(options.onStoreWrite ? { onWrite: options.onStoreWrite } : {}),
  });
  return {
    config,
    logger,
    redactor,
    store,
    redis,
    close: async () => {
      await store.close();
      await redis.close();
    },
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
