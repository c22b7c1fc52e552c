import { toAlertSettings, type AlertSettings } from "./alerts.js";
import type { DeliveryConfig } from "./delivery.js";
import { toWorkerConfig, type WorkerConfig } from "./worker.js";
import type { AccountSettings, SecretSources } from "./accounts-file.js";
import { DEFAULT_ACCOUNT } from "./accounts.js";
import type { KiteCredentials } from "./credentials.js";
import type { LoginSelectors } from "./selectors.js";
import { SECRET_VARIABLES, type LoginStrategyName, type RawConfig } from "./settings.js";

export {
  LOGIN_STRATEGIES,
  RawConfigSchema,
  SECRET_VARIABLES,
  type LoginStrategyName,
} from "./settings.js";

export type { KiteCredentials } from "./credentials.js";

export interface ServerConfig {
  host: string;
  port: number;
  adminToken: string | undefined;
  enabled: boolean;
  rateLimitPerMinute: number;
  /** Host names the console answers to besides loopback names, IP addresses and `host`. */
  allowedHosts: string[];
}

/** The dead-man's switch and the post-refresh hook (docs/alerts.md). */
export interface MonitoringConfig {
  /** HEARTBEAT_URL: `<url>/start`, `<url>`, `<url>/fail`. */
  heartbeatUrl: string | undefined;
  /** POST_REFRESH_COMMAND, run through `/bin/sh -c` after every saved token. */
  postRefreshCommand: string | undefined;
  postRefreshTimeoutMs: number;
}

export interface Config {
  kite: Partial<KiteCredentials> & {
    loginUrl: string;
    apiRoot: string;
    redirectUrl: string | undefined;
  };
  tokenFile: string;
  delivery: DeliveryConfig;
  browser: {
    path: string | undefined;
    noSandbox: boolean | undefined;
    /** What the browser login looks for: config/selectors.json, then SELECTORS_FILE. */
    selectors: LoginSelectors;
    /** How long the login host process stays after its last browser login. */
    hostIdleMs: number;
  };
  loginStrategy: LoginStrategyName;
  logLevel: RawConfig["LOG_LEVEL"];
  timeouts: { stepMs: number; redirectMs: number; apiMs: number };
  alerts: AlertSettings;
  monitoring: MonitoringConfig;
  server: ServerConfig;
  worker: WorkerConfig;
  /**
   * The accounts: the accounts file's entries or, without one, the KITE_* variables as
   * the one account `default`.
   */
  accounts: { file: string | undefined; list: AccountSettings[]; concurrency: number };
  /**
   * The variables secrets are read from: the secret settings and the accounts file's
   * `<field>_env` ones. Child processes start without them (see childEnv).
   */
  secretVariables: string[];
  /** Set on one account's configuration, derived from the accounts file. */
  account?: { id: string; variableSuffix: string; sources?: SecretSources | undefined };
}

export function toConfig(raw: RawConfig, selectors: LoginSelectors): Config {
  const credentials: Partial<KiteCredentials> = {
    ...(raw.KITE_API_KEY === undefined ? {} : { apiKey: raw.KITE_API_KEY }),
    ...(raw.KITE_API_SECRET === undefined ? {} : { apiSecret: raw.KITE_API_SECRET }),
    ...(raw.KITE_USER_ID === undefined ? {} : { userId: raw.KITE_USER_ID }),
    ...(raw.KITE_PASSWORD === undefined ? {} : { password: raw.KITE_PASSWORD }),
    ...(raw.KITE_TOTP_SECRET === undefined ? {} : { totpSecret: raw.KITE_TOTP_SECRET }),
  };
  return {
    kite: {
      ...credentials,
      loginUrl: raw.KITE_LOGIN_URL,
      apiRoot: raw.KITE_API_ROOT,
      redirectUrl: raw.KITE_REDIRECT_URL,
    },
    tokenFile: raw.TOKEN_FILE,
    delivery: {
      stores: raw.TOKEN_STORES ?? [{ kind: "file", path: raw.TOKEN_FILE }],
      github: { token: raw.GITHUB_TOKEN, apiUrl: raw.GITHUB_API_URL },
    },
    browser: {
      path: raw.BROWSER_PATH,
      noSandbox:
        raw.BROWSER_NO_SANDBOX === undefined ? undefined : raw.BROWSER_NO_SANDBOX === "true",
      selectors,
      hostIdleMs: raw.BROWSER_HOST_IDLE_MS,
    },
    loginStrategy: raw.LOGIN_STRATEGY,
    logLevel: raw.LOG_LEVEL,
    timeouts: {
      stepMs: raw.LOGIN_STEP_TIMEOUT_MS,
      redirectMs: raw.REDIRECT_TIMEOUT_MS,
      apiMs: raw.KITE_API_TIMEOUT_MS,
    },
    alerts: toAlertSettings(raw, raw.TOKEN_FILE),
    monitoring: {
      heartbeatUrl: raw.HEARTBEAT_URL,
      postRefreshCommand: raw.POST_REFRESH_COMMAND,
      postRefreshTimeoutMs: raw.POST_REFRESH_TIMEOUT_MS,
    },
    server: {
      host: raw.HOST,
      port: raw.PORT,
      adminToken: raw.ADMIN_TOKEN,
      enabled: raw.SERVER_ENABLED === "true",
      rateLimitPerMinute: raw.SERVER_RATE_LIMIT_PER_MINUTE,
      allowedHosts: raw.SERVER_ALLOWED_HOSTS ?? [],
    },
    worker: toWorkerConfig(raw, raw.TOKEN_FILE),
    secretVariables: [...SECRET_VARIABLES],
    accounts: {
      file: raw.ACCOUNTS_FILE,
      list: [{ id: DEFAULT_ACCOUNT, named: false, credentials }],
      concurrency: raw.CONCURRENCY,
    },
  };
}
