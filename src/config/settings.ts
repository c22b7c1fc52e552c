import { z } from "zod";
import * as v from "./values.js";

/** The ways to log in: LOGIN_STRATEGY. */
export const LOGIN_STRATEGIES = ["browser", "http", "auto"] as const;
export type LoginStrategyName = (typeof LOGIN_STRATEGIES)[number];

/** The alert channels there are (ALERT_CHANNELS). */
export const ALERT_CHANNEL_NAMES = ["email", "telegram", "webhook"] as const;
export type AlertChannelName = (typeof ALERT_CHANNEL_NAMES)[number];

export const SETTING_GROUPS = {
  kite: "Your Kite Connect app and Zerodha login",
  login: "The login",
  delivery: "Where the token goes",
  worker: "The scheduled worker (`kite-token worker`, `npm start`)",
  alerts: "Alerts",
  monitoring: "Heartbeat and post-refresh hook (see docs/alerts.md)",
  console: "The token console (`kite-token serve`, or the worker with `SERVER_ENABLED=true`)",
  accounts: "Many accounts",
} as const;

export interface Setting {
  group: keyof typeof SETTING_GROUPS;
  schema: z.ZodType;
  /** One line: what it is. */
  doc: string;
  /** The value `config/default.json` gives it. */
  default?: string;
  /** How the default reads, when it is not a plain value (derived, or required). */
  defaultDoc?: string;
  /** A secret: also read from `NAME_FILE`, never echoed back, kept from child processes. */
  secret?: true;
  /** Needed by `refresh` when there is no accounts file (`.env.example` leaves it uncommented). */
  required?: true;
  /** An example value for `.env.example`, when the default does not show the form. */
  example?: string;
}

function setting<S extends z.ZodType>(s: Setting & { schema: S }): Setting & { schema: S } {
  return s;
}

/** A KITE_* login credential: a secret `refresh` needs when there is no accounts file. */
function credential<S extends z.ZodType>(schema: S, doc: string) {
  const defaultDoc = "required for `refresh`";
  return setting({ group: "kite", schema, secret: true, required: true, doc, defaultDoc });
}

/**
 * Every setting, declared once: its rule, its default, whether it is secret and what it
 * means. The configuration schema is built from it, and `config/default.json`,
 * `.env.example` and docs/configuration.md are generated from it (`npm run settings`; a
 * test fails when a generated copy is stale).
 */
export const SETTINGS = {
  KITE_API_KEY: credential(
    v.text,
    "your Kite Connect app's API key (developers.kite.trade > My apps)",
  ),
  KITE_API_SECRET: credential(
    v.text,
    "the app's API secret; it never leaves this machine in clear",
  ),
  KITE_USER_ID: credential(
    v.text.transform((s) => s?.toUpperCase()),
    "your Zerodha user id, e.g. AB1234",
  ),
  KITE_PASSWORD: credential(v.verbatim, "your Zerodha password, as typed on kite.zerodha.com"),
  KITE_TOTP_SECRET: credential(
    v.totpKey,
    'the base32 key behind your authenticator (Kite > My profile > Password & Security > External TOTP: "Can\'t scan? Copy the key"); spaces ignored',
  ),
  KITE_REDIRECT_URL: setting({
    group: "kite",
    schema: v.text.pipe(v.httpUrl.optional()),
    doc: "the app's registered redirect URL; the login's redirect is caught in the browser (never sent) wherever Kite points it, and a run warns when that is not this URL",
    defaultDoc: "unset: any navigation carrying `request_token`, without a check",
    example: "http://127.0.0.1:8079/auth/callback",
  }),
  KITE_LOGIN_URL: setting({
    group: "kite",
    schema: v.httpUrl,
    default: "https://kite.zerodha.com/connect/login",
    doc: "Kite's login page (change it only to use the built-in simulator)",
  }),
  KITE_API_ROOT: setting({
    group: "kite",
    schema: v.apiRoot,
    default: "https://api.kite.trade",
    doc: "Kite's API (change it only to use the built-in simulator)",
  }),
  LOGIN_STRATEGY: setting({
    group: "login",
    schema: v.oneOf(LOGIN_STRATEGIES),
    default: "browser",
    doc: "`browser` (headless Chromium), `http` (Kite's login endpoints spoken directly: fastest, smallest) or `auto` (http, then the browser only when Kite's endpoints changed)",
  }),
  BROWSER_PATH: setting({
    group: "login",
    schema: v.text,
    doc: "a Chromium or Chrome executable",
    defaultDoc:
      "the first of `chromium-headless-shell`, `chrome-headless-shell`, `chromium`, `chromium-browser`, `google-chrome` on the PATH, else Playwright's own browser, else the Chromium `npm ci` brought (`@sparticuz/chromium`, unpacked on first use into the temporary folder)",
    example: "/usr/bin/chromium",
  }),
  BROWSER_NO_SANDBOX: setting({
    group: "login",
    schema: v.optionalTrueFalse,
    doc: "`true` to run Chromium without its sandbox (it cannot run as root)",
    defaultDoc: "on for root, off otherwise",
    example: "false",
  }),
  BROWSER_HOST_IDLE_MS: setting({
    group: "login",
    schema: v.milliseconds(100),
    default: "5000",
    doc: "how long the browser login's own process stays after its last login (ms)",
  }),
  SELECTORS_FILE: setting({
    group: "login",
    schema: v.text,
    doc: "a JSON file of login selectors replacing the shipped ones (config/selectors.json) key by key, for when Kite changes its page; `kite-token doctor` tells which no longer matches",
    example: "config/my-selectors.json",
  }),
  LOGIN_STEP_TIMEOUT_MS: setting({
    group: "login",
    schema: v.milliseconds(),
    default: "20000",
    doc: "how long each login page step may take (ms)",
  }),
  REDIRECT_TIMEOUT_MS: setting({
    group: "login",
    schema: v.milliseconds(),
    default: "20000",
    doc: "how long to wait for the redirect after the second factor (ms)",
  }),
  KITE_API_TIMEOUT_MS: setting({
    group: "login",
    schema: v.milliseconds(),
    default: "10000",
    doc: "each Kite API call's timeout (ms)",
  }),
  LOG_LEVEL: setting({
    group: "login",
    schema: v.oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    default: "info",
    doc: "`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (the CLI shows only errors unless it is set or `--verbose` is given)",
  }),
  ENV_FILE: setting({
    group: "login",
    schema: v.text,
    doc: "a file to read instead of `./.env`",
    defaultDoc: "`.env` in the working directory",
  }),
  TOKEN_FILE: setting({
    group: "delivery",
    schema: v.required,
    default: "data/token.json",
    doc: "where the token is saved (JSON, mode 0600); its folder also holds the run history, the lock and the alert state unless they are set apart",
  }),
  TOKEN_STORES: setting({
    group: "delivery",
    schema: v.storeList,
    doc: "every place the token goes, comma-separated, the first one primary: `file:PATH`, `dotenv:PATH`, `redis://[:PASSWORD@]HOST:PORT[/DB]`, `github:OWNER/REPO` (see docs/delivery.md)",
    defaultDoc: "`file:$TOKEN_FILE`",
    example: "file:data/token.json,dotenv:../my-bot/.env,redis://127.0.0.1:6379",
  }),
  GITHUB_TOKEN: setting({
    group: "delivery",
    schema: v.text,
    secret: true,
    doc: 'for `github:` stores: a token that may write the repository\'s Actions secrets (fine-grained: "Secrets: read and write")',
    defaultDoc: "required with a `github:` store",
  }),
  GITHUB_API_URL: setting({
    group: "delivery",
    schema: v.apiRoot,
    default: "https://api.github.com",
    doc: "GitHub's API (`https://HOST/api/v3` for GitHub Enterprise Server)",
  }),
  SCHEDULE: setting({
    group: "worker",
    schema: v.cron,
    default: "30 8 * * *",
    doc: "when the worker refreshes: a cron expression (minute hour day month weekday, optionally a leading seconds field) in SCHEDULE_TZ",
  }),
  SCHEDULE_TZ: setting({
    group: "worker",
    schema: v.timeZone,
    default: "Asia/Kolkata",
    doc: "the time zone SCHEDULE is read in, whatever the machine's TZ",
  }),
  RETRY_DEADLINE: setting({
    group: "worker",
    schema: v.hhmm,
    default: "09:05",
    doc: "transient failures (network, 5xx, timeouts) are retried until this IST time (HH:MM)…",
  }),
  RETRY_MAX: setting({
    group: "worker",
    schema: v.wholeNumber("attempts", 1, 50),
    default: "8",
    doc: "…or this many attempts, whichever comes first",
  }),
  LOCK_WAIT_MS: setting({
    group: "worker",
    schema: v.milliseconds(1000, 1_800_000),
    default: "180000",
    doc: "how long a refresh waits for another one holding the single-login lock (ms)",
  }),
  STATE_FILE: setting({
    group: "worker",
    schema: v.text,
    doc: "the run history and the day's 2FA budget",
    defaultDoc: "`state.json` next to TOKEN_FILE",
  }),
  LOCK_FILE: setting({
    group: "worker",
    schema: v.text,
    doc: "the single-login lock",
    defaultDoc: "`refresh.lock` next to TOKEN_FILE",
  }),
  ARTIFACTS_DIR: setting({
    group: "worker",
    schema: v.text,
    doc: "screenshots and pages of failed logins",
    defaultDoc: "`artifacts/` next to TOKEN_FILE",
  }),
  ALERT_CHANNELS: setting({
    group: "alerts",
    schema: v.nameList(ALERT_CHANNEL_NAMES),
    doc: "`email`, `telegram`, `webhook` (comma-separated) or `none`; check them with `kite-token test-alert`",
    defaultDoc:
      "every channel whose main setting (SMTP_URL, TELEGRAM_BOT_TOKEN, ALERT_WEBHOOK_URL) is set",
    example: "email,telegram",
  }),
  SMTP_URL: setting({
    group: "alerts",
    schema: v.optionalUrl(
      ["smtp:", "smtps:"],
      "must be smtp://user:pass@host:port or smtps://user:pass@host:port",
    ),
    secret: true,
    doc: "e-mail: `smtps://user:pass@host:465` or `smtp://…:587` (URL-encode `@` as `%40`; Gmail: an app password on port 465)",
    example: "smtps://you%40gmail.com:abcdefghijklmnop@smtp.gmail.com:465",
  }),
  ALERT_EMAIL_TO: setting({
    group: "alerts",
    schema: v.addressList,
    doc: "one or more recipients, comma-separated",
    example: "you@gmail.com, partner@example.com",
  }),
  ALERT_EMAIL_FROM: setting({
    group: "alerts",
    schema: v.address,
    doc: "the sender, e.g. `kite-token <you@gmail.com>`",
    defaultDoc: "the SMTP user, when it is an address",
  }),
  TELEGRAM_BOT_TOKEN: setting({
    group: "alerts",
    schema: v.text.refine(
      (s) => s === undefined || /^\d+:[\w-]+$/.test(s),
      "must look like 123456789:AA… (the token @BotFather gave you)",
    ),
    secret: true,
    doc: "Telegram: the token @BotFather gave you",
    example: "123456789:AA...",
  }),
  TELEGRAM_CHAT_ID: setting({
    group: "alerts",
    schema: v.text.refine(
      (s) => s === undefined || /^(-?\d+|@\w+)$/.test(s),
      "must be a numeric chat id (e.g. 123456789 or -100…) or @channelname",
    ),
    doc: "your chat id (send the bot a message, then read it at `https://api.telegram.org/bot<token>/getUpdates`), a group's (`-100…`) or `@channelname`",
    example: "123456789",
  }),
  TELEGRAM_API_URL: setting({
    group: "alerts",
    schema: v.apiRoot,
    default: "https://api.telegram.org",
    doc: "the Bot API's address (a self-hosted Bot API server or a proxy)",
  }),
  ALERT_WEBHOOK_URL: setting({
    group: "alerts",
    schema: v.optionalUrl(["http:", "https:"], "must be an http(s) URL"),
    secret: true,
    doc: 'a Slack or Discord incoming webhook, or any endpoint taking `{"text": …, "content": …}`',
    example: "https://hooks.slack.com/services/T000/B000/XXXX",
  }),
  ALERT_ON_SUCCESS: setting({
    group: "alerts",
    schema: v.optionalTrueFalse,
    default: "false",
    doc: "`true` for a one-line notice after every successful login too",
  }),
  ALERT_DEADLINE: setting({
    group: "alerts",
    schema: v.deadline,
    default: "09:00",
    doc: "if there is still no valid token at this IST time (HH:MM) on a scheduled day, alert, whatever the retries are doing; `off` to turn it off",
  }),
  ALERT_STATE_FILE: setting({
    group: "alerts",
    schema: v.text,
    doc: "where the alert state (an open failure episode, the deadline alert) is kept",
    defaultDoc: "`alerts.json` next to TOKEN_FILE",
  }),
  ALERT_RETRY_INTERVAL_MS: setting({
    group: "alerts",
    schema: v.milliseconds(1000, 3_600_000),
    default: "300000",
    doc: "how often the worker tries again to deliver an alert that no channel accepted yet (ms); every run tries too",
  }),
  HEARTBEAT_URL: setting({
    group: "monitoring",
    schema: v.optionalUrl(["http:", "https:"], "must be an http(s) URL"),
    secret: true,
    doc: "a dead-man's switch (healthchecks.io, Uptime Kuma push…): pinged at `<url>/start` when a run starts, `<url>` when it succeeds, `<url>/fail` when it fails",
    example: "https://hc-ping.com/your-check-uuid",
  }),
  POST_REFRESH_COMMAND: setting({
    group: "monitoring",
    schema: v.text,
    doc: "a shell command (`/bin/sh -c`) run after every saved token, e.g. to restart a bot; it gets KITE_ACCOUNT, KITE_USER_ID, KITE_TOKEN_FILE and KITE_EXPIRES_AT, never a secret",
    example: "systemctl --user restart my-bot",
  }),
  POST_REFRESH_TIMEOUT_MS: setting({
    group: "monitoring",
    schema: v.milliseconds(1000, 3_600_000),
    default: "60000",
    doc: "how long the post-refresh command may run before it is stopped (ms)",
  }),
  HOST: setting({
    group: "console",
    schema: v.required,
    default: "127.0.0.1",
    doc: "the address the console listens on; anything but loopback requires ADMIN_TOKEN",
  }),
  PORT: setting({
    group: "console",
    schema: v.port,
    default: "8079",
    doc: "the console's port (`serve --host/--port` override both)",
  }),
  ADMIN_TOKEN: setting({
    group: "console",
    // What a browser or curl can send in an Authorization header: visible ASCII, no spaces.
    schema: v.text.refine(
      (s) => s === undefined || /^[\x21-\x7e]{16,}$/.test(s),
      "must be at least 16 characters of visible ASCII (letters, digits, punctuation; no spaces or accents), e.g. `openssl rand -hex 24`",
    ),
    secret: true,
    doc: "bearer token for every endpoint that refreshes or exchanges a token (16+ visible ASCII characters, no spaces, e.g. `openssl rand -hex 24`)",
    defaultDoc: "unset: open on loopback only",
  }),
  SERVER_ALLOWED_HOSTS: setting({
    group: "console",
    schema: v.hostList,
    doc: "more host names the console answers to (comma-separated), e.g. the name a reverse proxy forwards; a request for any other name is refused (DNS rebinding)",
    defaultDoc: "loopback names, IP addresses and HOST",
    example: "kite.example.lan",
  }),
  SERVER_ENABLED: setting({
    group: "console",
    schema: v.trueFalse,
    default: "false",
    doc: "`true`: the worker also serves the console (same pipeline, lock and history)",
  }),
  SERVER_RATE_LIMIT_PER_MINUTE: setting({
    group: "console",
    schema: v.wholeNumber("requests", 1, 10_000),
    default: "10",
    doc: "requests a minute and client on the token endpoints, then 429",
  }),
  ACCOUNTS_FILE: setting({
    group: "accounts",
    schema: v.text,
    doc: "a JSON file listing several Zerodha accounts (see docs/accounts.md)",
    defaultDoc:
      "`config/accounts.json` in the working directory, when it exists; else the one account of the KITE_* variables",
  }),
  CONCURRENCY: setting({
    group: "accounts",
    schema: v.wholeNumber("simultaneous logins", 1, 16),
    default: "2",
    doc: "how many accounts log in at once (one count per process)",
  }),
};

export type SettingName = keyof typeof SETTINGS;

/** The settings that hold secrets: also read from `NAME_FILE`, never echoed back. */
export const SECRET_VARIABLES = (Object.keys(SETTINGS) as SettingName[]).filter(
  (name) => (SETTINGS[name] as Setting).secret,
);

type Shape = { [K in SettingName]: (typeof SETTINGS)[K]["schema"] };

/** The configuration's schema: every setting's rule, by name. */
export const RawConfigSchema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema])) as Shape,
);
export type RawConfig = z.infer<typeof RawConfigSchema>;
