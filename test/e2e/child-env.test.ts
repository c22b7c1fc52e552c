import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { childEnv } from "../../src/config/child-env.js";
import { browserEnv } from "../../src/adapters/login/browser-env.js";
import {
  simulatorSettings,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { watchedCliRun, type Seen } from "../helpers/cli.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";

/**
 * With every secret given as an environment variable (as Docker and systemd users do),
 * none of them reaches a child process: the login host, Chromium and its renderers are
 * read in /proc/<pid>/environ while a real login runs.
 */

const ACCOUNT = {
  userId: "CN4242",
  password: "canary-kite-password-41",
  totpSecret: "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA",
};
const APP = { apiKey: "canary-api-key-17", apiSecret: "canary-api-secret-93" };
const REDIS_PASSWORD = "canary-redis-pass-3f";
/** The other secrets, each in its own variable: [variable, its value, the secret in it]. */
const SECRETS: Array<[string, string, string]> = [
  ["SMTP_URL", "smtp://alerts:canary-smtp-5b1@127.0.0.1:2525", "canary-smtp-5b1"],
  ["ADMIN_TOKEN", "canary-admin-token-0c2d9e7f", "canary-admin-token-0c2d9e7f"],
  ["GITHUB_TOKEN", "canary-github-token-a8b", "canary-github-token-a8b"],
  ["TELEGRAM_BOT_TOKEN", "123456:canary-telegram-b0t", "canary-telegram-b0t"],
  ["ALERT_WEBHOOK_URL", "http://127.0.0.1:9/canary-webhook-7e", "canary-webhook-7e"],
];
const OTHER_SECRETS = {
  ...Object.fromEntries(SECRETS.map(([name, value]) => [name, value])),
  ALERT_EMAIL_TO: "me@example.com",
  TELEGRAM_CHAT_ID: "42",
  ALERT_CHANNELS: "none",
};
const CANARIES = [
  ...[ACCOUNT.password, ACCOUNT.totpSecret, APP.apiSecret, APP.apiKey, REDIS_PASSWORD],
  ...SECRETS.map(([, , secret]) => secret),
];

let sim: Simulator;
let redis: TestRedis;
before(async () => {
  // The 2FA reply comes late: the login host and Chromium stay up long enough to be read.
  sim = await startSimulator({
    account: ACCOUNT,
    app: APP,
    scenario: { twofaReplyDelayMs: 2500 },
  });
  redis = await startRedis({ password: REDIS_PASSWORD });
});
after(async () => {
  await sim.close();
  await redis.stop();
});

function expectNoCanary(seen: Map<number, Seen>, canaries: string[]): void {
  const host = [...seen.values()].filter((p) => p.cmdline.includes("login/host/child.js"));
  // The browser carries --kite-token-owner; its zygotes, renderers and helpers a --type.
  const chromium = [...seen.values()].filter((p) => /--kite-token-owner=|--type=/.test(p.cmdline));
  const renderers = chromium.filter((p) => p.cmdline.includes("--type=renderer"));
  expect(host.length).toBe(1);
  expect(chromium.length).toBeGreaterThanOrEqual(2);
  expect(renderers.length).toBeGreaterThanOrEqual(1);
  for (const [pid, process] of seen) {
    const found = canaries.filter((c) => process.environ.includes(c));
    expect([pid, process.cmdline.slice(0, 60), found]).toEqual([
      pid,
      process.cmdline.slice(0, 60),
      [],
    ]);
  }
  // The environment still works for them: PATH is there (Chromium's zygotes rewrite the
  // memory /proc shows for their helpers, so it is looked for in the host and the browser).
  for (const p of [...host, ...chromium.filter((c) => !c.cmdline.includes("--type="))])
    expect(p.environ.split("\0")).toContainEqual(expect.stringMatching(/^PATH=/));
}

describe("child processes' environment", () => {
  it("a refresh with the KITE_* secrets and every other secret in the environment: none reaches the login host or Chromium", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const { code, stderr, seen } = await watchedCliRun(
      ["refresh", "--force"],
      {
        ...simulatorSettings(sim),
        TOKEN_FILE: tokenFile,
        TOKEN_STORES: `file:${tokenFile},${redis.url}`,
        ...OTHER_SECRETS,
      },
      dir,
    );
    expect([code, stderr]).toEqual([0, ""]);
    expectNoCanary(seen, CANARIES);
  });

  it("an accounts file's <field>_env variables are kept from them too", async () => {
    const dir = tempDir();
    const file = path.join(dir, "accounts.json");
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [
          {
            id: "main",
            user_id_env: "MAIN_USER",
            password_env: "MAIN_SECRET_PASS",
            totp_secret_env: "MAIN_SECRET_TOTP",
            api_key_env: "MAIN_KEY",
            api_secret_env: "MAIN_SECRET_API",
          },
        ],
      }),
    );
    const { code, stderr, seen } = await watchedCliRun(
      ["refresh", "--force"],
      {
        KITE_LOGIN_URL: sim.loginUrl,
        KITE_API_ROOT: sim.apiRoot,
        ACCOUNTS_FILE: file,
        TOKEN_FILE: path.join(dir, "token.json"),
        MAIN_USER: ACCOUNT.userId,
        MAIN_SECRET_PASS: ACCOUNT.password,
        MAIN_SECRET_TOTP: ACCOUNT.totpSecret,
        MAIN_KEY: APP.apiKey,
        MAIN_SECRET_API: APP.apiSecret,
      },
      dir,
    );
    expect([code, stderr]).toEqual([0, ""]);
    expectNoCanary(seen, CANARIES);
    for (const p of seen.values()) expect(p.environ).not.toMatch(/MAIN_(USER|KEY|SECRET_\w+)=/);
  });

  it("the login host and Chromium keep only what a browser needs (browserEnv), whatever the secrets are named", () => {
    const env = browserEnv({
      PATH: "/usr/bin",
      HOME: "/home/trader",
      LANG: "en_IN.UTF-8",
      LC_ALL: "C.UTF-8",
      TZ: "Asia/Kolkata",
      XDG_RUNTIME_DIR: "/run/user/1000",
      FONTCONFIG_PATH: "/etc/fonts",
      PLAYWRIGHT_BROWSERS_PATH: "/ms-playwright",
      https_proxy: "http://proxy:3128",
      HTTPS_PROXY: "http://user:pw@proxy:3128",
      KITE_PASSWORD: "x",
      KITE_PASSWORD_FILE: "/run/secrets/kite_password",
      MAIN_SECRET_PASS: "y",
      TOKEN_STORES: "redis://:pw@h:1",
      NODE_OPTIONS: "--require ./hook.js",
      DEBUG: "pw:protocol",
      LOG_LEVEL: "debug",
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/trader",
      LANG: "en_IN.UTF-8",
      LC_ALL: "C.UTF-8",
      TZ: "Asia/Kolkata",
      XDG_RUNTIME_DIR: "/run/user/1000",
      FONTCONFIG_PATH: "/etc/fonts",
      PLAYWRIGHT_BROWSERS_PATH: "/ms-playwright",
      https_proxy: "http://proxy:3128",
    });
  });

  it("childEnv keeps everything else (paths, *_FILE forms, ordinary settings)", () => {
    const env = childEnv(["MAIN_PASS"], {
      PATH: "/usr/bin",
      KITE_PASSWORD: "x",
      KITE_PASSWORD_FILE: "/run/secrets/kite_password",
      MAIN_PASS: "y",
      TOKEN_STORES: "file:a,redis://:pw@h:1",
      KITE_LOGIN_URL: "https://kite.zerodha.com/connect/login",
      SOME_PROXY: "http://user:pw@proxy:3128",
      LOG_LEVEL: "info",
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      KITE_PASSWORD_FILE: "/run/secrets/kite_password",
      KITE_LOGIN_URL: "https://kite.zerodha.com/connect/login",
      LOG_LEVEL: "info",
    });
  });
});
