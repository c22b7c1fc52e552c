import { z } from "zod";
import { totpSecretProblem } from "./totp-key.js";
import { AlertRawShape, toAlertSettings, type AlertSettings } from "./alerts.js";
import { ServerRawSchema, type ServerConfig } from "./server-schema.js";
import { deliveryShape, type DeliveryConfig } from "./delivery.js";
import { WorkerRawShape, toWorkerConfig, type WorkerConfig } from "./worker.js";
import { AccountsRawShape } from "./accounts.js";
import type { AccountSettings } from "./accounts-file.js";
import type { KiteCredentials } from "./credentials.js";
import type { LoginSelectors } from "./selectors.js";

/** The ways to log in: LOGIN_STRATEGY. */
export const LOGIN_STRATEGIES = ["browser", "http", "auto"] as const;
export type LoginStrategyName = (typeof LOGIN_STRATEGIES)[number];

/** Variables that hold secrets: also read from `NAME_FILE`, never echoed back. */
export const SECRET_VARIABLES = [
  "KITE_API_KEY",
  "KITE_API_SECRET",
  "KITE_USER_ID",
  "KITE_PASSWORD",
  "KITE_TOTP_SECRET",
  "SMTP_URL",
  "TELEGRAM_BOT_TOKEN",
  "ALERT_WEBHOOK_URL",
  "ADMIN_TOKEN",
  "GITHUB_TOKEN",
] as const;

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === "" ? undefined : s));

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http(s) URL");

const milliseconds = z.coerce
  .number({ message: "must be a number of milliseconds" })
  .int("must be a whole number of milliseconds")
  .min(1000, "must be at least 1000 (one second)")
  .max(600_000, "must be at most 600000 (ten minutes)");

export const RawConfigSchema = z.object({
  KITE_API_KEY: optionalText,
  KITE_API_SECRET: optionalText,
  KITE_USER_ID: optionalText.transform((s) => s?.toUpperCase()),
  KITE_PASSWORD: z
    .string()
    .optional()
    .transform((s) => (s === "" ? undefined : s)),
  KITE_TOTP_SECRET: optionalText.superRefine((value, ctx) => {
    if (value === undefined) return;
    const problem = totpSecretProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  KITE_LOGIN_URL: httpUrl,
  KITE_API_ROOT: httpUrl.transform((s) => s.replace(/\/+$/, "")),
  KITE_REDIRECT_URL: optionalText.pipe(httpUrl.optional()),
  TOKEN_FILE: z.string().trim().min(1, "must not be empty"),
  BROWSER_PATH: optionalText,
  SELECTORS_FILE: optionalText,
  BROWSER_NO_SANDBOX: optionalText.pipe(
    z.enum(["true", "false"], { message: "must be true or false" }).optional(),
  ),
  BROWSER_HOST_IDLE_MS: z.coerce
    .number({ message: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be at least 100")
    .max(600_000, "must be at most 600000 (ten minutes)"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    message: "must be one of fatal, error, warn, info, debug, trace, silent",
  }),
  LOGIN_STRATEGY: z.enum(LOGIN_STRATEGIES, {
    message: `must be one of ${LOGIN_STRATEGIES.join(", ")}`,
  }),
  LOGIN_STEP_TIMEOUT_MS: milliseconds,
  REDIRECT_TIMEOUT_MS: milliseconds,
  KITE_API_TIMEOUT_MS: milliseconds,
  ...AlertRawShape,
  ...ServerRawSchema,
  ...deliveryShape,
  ...WorkerRawShape,
  ...AccountsRawShape,
});
export type RawConfig = z.infer<typeof RawConfigSchema>;

export type { KiteCredentials } from "./credentials.js";

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
  server: ServerConfig;
  worker: WorkerConfig;
  /** Many accounts: the accounts file's entries (undefined: the single KITE_* account). */
  accounts: { file: string | undefined; list: AccountSettings[] | undefined; concurrency: number };
  /** Set on one account's configuration, derived from the accounts file. */
  account?: { id: string; variableSuffix: string };
}

export function toConfig(raw: RawConfig, selectors: LoginSelectors): Config {
  return {
    kite: {
      ...(raw.KITE_API_KEY === undefined ? {} : { apiKey: raw.KITE_API_KEY }),
      ...(raw.KITE_API_SECRET === undefined ? {} : { apiSecret: raw.KITE_API_SECRET }),
      ...(raw.KITE_USER_ID === undefined ? {} : { userId: raw.KITE_USER_ID }),
      ...(raw.KITE_PASSWORD === undefined ? {} : { password: raw.KITE_PASSWORD }),
      ...(raw.KITE_TOTP_SECRET === undefined ? {} : { totpSecret: raw.KITE_TOTP_SECRET }),
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
    server: {
      host: raw.HOST,
      port: raw.PORT,
      adminToken: raw.ADMIN_TOKEN,
      enabled: raw.SERVER_ENABLED === "true",
      rateLimitPerMinute: raw.SERVER_RATE_LIMIT_PER_MINUTE,
    },
    worker: toWorkerConfig(raw, raw.TOKEN_FILE),
    accounts: { file: raw.ACCOUNTS_FILE, list: undefined, concurrency: raw.CONCURRENCY },
  };
}
