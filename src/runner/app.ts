import type { ChildProcess } from "node:child_process";
import type { AlertService } from "./alerts/service.js";
import type { Watchdog, WatchdogTimer } from "./alerts/watchdog.js";
import { alertSecrets } from "../config/alerts.js";
import { credentialsOf } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { KiteApi, type KiteCalls } from "../adapters/kite/api.js";
import { createLogger, type Logger } from "../core/log.js";
import { buildLoginUrl } from "../adapters/login/types.js";
import { createLoginStrategy } from "../adapters/login/registry.js";
import { BrowserHost } from "../adapters/login/host/client.js";
import { HostedKiteApi } from "../adapters/login/host/hosted.js";
import { systemClock, type TotpClock } from "../adapters/login/totp.js";
import { SecretRedactor } from "../core/redact.js";
import { KiteTokenError } from "../core/errors.js";
import { sleep } from "../core/time.js";
import type { ExchangeRunDeps, RefreshDeps } from "../pipeline/refresh.js";
import type { TokenStore } from "../adapters/stores/types.js";
import { CompositeTokenStore, type WriteReport } from "../adapters/stores/composite.js";
import { RedisConnections } from "../adapters/stores/redis-connections.js";
import { createReadableStore, createSink, type StoreDeps } from "../adapters/stores/registry.js";
import { redisDisplayName, redisPassword, sharedRedisStore } from "../config/store-spec.js";
import { createLoginLock } from "../adapters/lock/factory.js";
import { FileLoginLock } from "../adapters/lock/file.js";
import type { LoginLock } from "../adapters/lock/types.js";
import { TwofaBudget, type SecondFactorBudget } from "../adapters/budget/budget.js";
import { RedisTwofaBudget } from "../adapters/budget/redis-budget.js";
import { StateFile } from "../adapters/state/state.js";

/** The adapters, built once from configuration and passed in: the composition root. */
export interface App {
  config: Config;
  logger: Logger;
  redactor: SecretRedactor;
  /** Every configured store as one: reads from the primary, writes to all. */
  store: CompositeTokenStore;
  /** Redis clients shared by the stores and the login lock. */
  redis: RedisConnections;
  kite(apiKey: string): KiteCalls;
  /**
   * Every login and Kite API call runs in the login host (a long-running process: the
   * worker, the console), so this process never keeps the kiteconnect client, the HTTP
   * login's cookie jar or the TOTP library between runs. One-shot commands run them here.
   */
  kiteInHost: boolean;
  /** The alert channels, episodes and messages, built on first use (loads nodemailer then). */
  alerts(): Promise<AlertService>;
  /** Runs the browser logins in a child process (never Playwright in this one). */
  browserHost: BrowserHost;
  /** Closes the connections the stores and alert channels hold, and stops the login host it owns. */
  close(): Promise<void>;
  /** The single-login lock, the state file (run history) and the day's 2FA budget. */
  lock: LoginLock;
  state: StateFile;
  budget: SecondFactorBudget;
  /** Time: see AppClock. */
  clock: AppClock;
}

/**
 * Time, as one port: `now` and `sleep` are Kite's time (the TOTP window waits: a code
 * after a wait is the next window's); `pause` is every other wait of an account's work
 * (the exchange's and the worker's retries, the alert channels' tries), which only delays.
 */
export interface AppClock extends TotpClock {
  pause(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemAppClock: AppClock = { ...systemClock, pause: sleep };

export interface AppOptions {
  logger?: Logger;
  redactor?: SecretRedactor;
  logLevel?: string;
  /** Told after each token write, with how every secondary store fared. */
  onStoreWrite?: (report: WriteReport) => void;
  /** Time (default: the system's); a test's clock skips the waits. */
  clock?: AppClock;
  /** Another app's login host (many accounts share one); it stays that app's to stop. */
  browserHost?: BrowserHost;
  /** Logins and Kite API calls in the login host (see `App.kiteInHost`); default false. */
  kiteInHost?: boolean;
  /** A login host already started (see BrowserHostOptions.started); this app stops it. */
  loginHost?: ChildProcess;
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
    ...(config.account ? { variableSuffix: config.account.variableSuffix } : {}),
  };
  const [primary, ...secondaries] = config.delivery.stores;
  if (!primary) throw new Error("no token store configured");
  // A Redis secondary is shared with other machines: it is read too (the newer token wins).
  const shared: TokenStore[] = [];
  const sinks = secondaries.map((spec) => {
    if (spec.kind !== "redis") return createSink(spec, storeDeps);
    const store = createReadableStore(spec, storeDeps);
    shared.push(store);
    return store;
  });
  return new CompositeTokenStore(createReadableStore(primary, storeDeps), sinks, {
    logger: deps.logger,
    shared,
    ...(deps.onWrite ? { onWrite: deps.onWrite } : {}),
  });
}

export function createApp(config: Config, options: AppOptions = {}): App {
  const redactor = options.redactor ?? new SecretRedactor();
  redactor.add(
    config.kite.apiSecret,
    config.kite.password,
    config.kite.totpSecret,
    config.server.adminToken,
  );
  redactor.add(...alertSecrets(config.alerts));
  redactor.add(config.delivery.github.token);
  for (const account of config.accounts.list) {
    const { apiSecret, password, totpSecret } = account.credentials;
    redactor.add(apiSecret, password, totpSecret);
  }
  for (const spec of config.delivery.stores)
    if (spec.kind === "redis") redactor.add(redisPassword(spec.url));
  const logger =
    options.logger ?? createLogger({ level: options.logLevel ?? config.logLevel, redactor });
  let alerts: Promise<AlertService> | undefined;
  const redis = new RedisConnections();
  const store = buildStores(config, {
    redis,
    logger,
    ...(options.onStoreWrite ? { onWrite: options.onStoreWrite } : {}),
  });
  const browserHost =
    options.browserHost ??
    new BrowserHost({
      idleMs: config.browser.hostIdleMs,
      logger,
      ...startedHost(config, options.loginHost),
    });
  const kiteInHost = options.kiteInHost ?? false;
  const clock = options.clock ?? systemAppClock;
  return {
    clock,
    config,
    logger,
    redactor,
    store,
    redis,
    browserHost,
    close: async () => {
      await store.close();
      await redis.close();
      // The alert channels this app opened (its SMTP connections), once their sends are done.
      if (alerts) (await alerts.catch(() => undefined))?.close();
      if (!options.browserHost) await browserHost.stop();
    },
    kiteInHost,
    kite: (key) => {
      const api = { apiKey: key, apiRoot: config.kite.apiRoot, timeoutMs: config.timeouts.apiMs };
      return kiteInHost ? new HostedKiteApi(browserHost, api) : new KiteApi(api);
    },
    alerts: () => (alerts ??= buildAlerts(config, logger, redactor, clock)),
    ...workerParts(config, redis, logger),
  };
}

/**
 * A login host started ahead (it loads Playwright) is kept where this configuration's
 * logins run in the browser; otherwise it is ended at once (no Chromium was launched in it).
 */
function startedHost(config: Config, host: ChildProcess | undefined): { started?: ChildProcess } {
  if (!host) return {};
  if (config.loginStrategy === "browser") return { started: host };
  host.kill("SIGKILL");
  return {};
}

function workerParts(
  config: Config,
  redis: RedisConnections,
  logger: Logger,
): Pick<App, "lock" | "state" | "budget"> {
  const state = new StateFile(config.worker.stateFile);
  const shared = sharedRedisStore(config.delivery.stores);
  return {
    // In Redis when the token goes to Redis (worker replicas on several machines), else a file.
    lock: createLoginLock({
      stores: config.delivery.stores,
      userId: config.kite.userId ?? "default",
      fileLock: () => new FileLoginLock(config.worker.lockFile),
      redis,
      logger,
    }),
    state,
    // Replicas sharing Redis share one budget: each machine must not spend its own.
    budget: shared
      ? new RedisTwofaBudget({
          client: () => redis.get(shared.url),
          userId: config.kite.userId ?? "default",
          where: redisDisplayName(shared.url),
        })
      : new TwofaBudget(state),
  };
}

async function buildAlerts(
  config: Config,
  logger: Logger,
  redactor: SecretRedactor,
  clock: AppClock,
): Promise<AlertService> {
  const [{ createChannels }, { Alerter }, { Episodes, FileAlertStateStore }, { AlertService }] =
    await Promise.all([
      import("./alerts/registry.js"),
      import("./alerts/alerter.js"),
      import("./alerts/episode.js"),
      import("./alerts/service.js"),
    ]);
  return new AlertService({
    alerter: new Alerter({
      channels: await createChannels(config.alerts),
      logger,
      redactor,
      sleep: (ms, signal) => clock.pause(ms, signal),
    }),
    episodes: new Episodes(new FileAlertStateStore(config.alerts.stateFile), logger),
    logger,
    onSuccess: config.alerts.onSuccess,
    account: config.account?.id,
    sources: config.account?.sources,
  });
}

/** Everything the refresh pipeline needs, for a configuration with full credentials. */
export function refreshDeps(app: App, extra: RunHooks = {}): RefreshDeps {
  const credentials = credentialsOf(app.config);
  return {
    credentials,
    loginUrl: app.config.kite.loginUrl,
    redirectUrl: app.config.kite.redirectUrl,
    kite: app.kite(credentials.apiKey),
    login: createLoginStrategy(app.config.loginStrategy, {
      host: app.browserHost,
      httpInHost: app.kiteInHost,
      browserPath: app.config.browser.path,
      noSandbox: app.config.browser.noSandbox,
      selectors: app.config.browser.selectors,
      // Taken in the login host, where the page is; the secrets it scrubs go over IPC.
      evidence: {
        dir: app.config.worker.artifactsDir,
        secrets: () => app.redactor.values(),
      },
    }),
    clock: app.clock,
    timeouts: { stepMs: app.config.timeouts.stepMs, redirectMs: app.config.timeouts.redirectMs },
    budget: app.budget,
    ...pipelineAdapters(app, extra),
  };
}

type RunHooks = Pick<RefreshDeps, "onStep" | "signal" | "trigger">;

/** What both pipelines (the refresh, the manual exchange) take from an account's app. */
function pipelineAdapters(app: App, extra: RunHooks) {
  return {
    store: app.store,
    logger: app.logger,
    redactor: app.redactor,
    lock: app.lock,
    lockWaitMs: app.config.worker.lockWaitMs,
    history: app.state,
    ...(extra.onStep ? { onStep: extra.onStep } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
    ...(extra.trigger ? { trigger: extra.trigger } : {}),
    sleep: app.clock.pause,
    // The history's times on the app's clock, the one the console's own runs are timed by.
    now: () => new Date(app.clock.now()),
  };
}

/**
 * The deadline watchdog (ALERT_DEADLINE) for this configuration: at the deadline, no
 * valid saved token means an alert. Undefined when ALERT_DEADLINE is off or no channel is set.
 */
export async function deadlineWatchdog(
  app: App,
  options: { timer?: WatchdogTimer; isActiveDay?: (deadline: Date) => boolean } = {},
): Promise<Watchdog | undefined> {
  const { deadline, channels } = app.config.alerts;
  if (!deadline || channels.length === 0) return undefined;
  const [{ startDeadlineWatchdog }, { configuredTokenStatus }, alerts] = await Promise.all([
    import("./alerts/watchdog.js"),
    import("../pipeline/status.js"),
    app.alerts(),
  ]);
  const { apiKey, userId, loginUrl } = app.config.kite;
  return startDeadlineWatchdog({
    deadline,
    logger: app.logger,
    readStatus: () => configuredTokenStatus(app.store, (key) => app.kite(key), apiKey),
    onMissed: (status, at) =>
      alerts.deadlineMissed({
        userId: userId ?? status.record?.user_id ?? "your account",
        deadline: at,
        status,
        loginUrl: apiKey
          ? buildLoginUrl(loginUrl, apiKey)
          : `${loginUrl}?v=3&api_key=<KITE_API_KEY>`,
      }),
    ...(options.timer ? { timer: options.timer } : {}),
    ...(options.isActiveDay ? { isActiveDay: options.isActiveDay } : {}),
  });
}

/**
 * What the manual fallback needs (`kite-token exchange`, the console's callback and paste
 * box): the configured app, its stores, lock and history; no login credentials.
 */
export function exchangeDeps(app: App, extra: RunHooks = {}): ExchangeRunDeps {
  const { apiKey, apiSecret, userId } = app.config.kite;
  if (!apiKey || !apiSecret) {
    throw new KiteTokenError(
      "CONFIG_INVALID",
      "KITE_API_KEY and KITE_API_SECRET must be set to exchange a request token.",
    );
  }
  return { apiKey, apiSecret, userId, kite: app.kite(apiKey), ...pipelineAdapters(app, extra) };
}
