import { writeFileSync } from "node:fs";
import path from "node:path";
import pino from "pino";
import { Alerter } from "../../src/runner/alerts/alerter.js";
import { EmailChannel } from "../../src/runner/alerts/email.js";
import {
  Episodes,
  type AlertState,
  type AlertStateStore,
} from "../../src/runner/alerts/episode.js";
import { AlertService } from "../../src/runner/alerts/service.js";
import type { AlertChannel } from "../../src/runner/alerts/types.js";
import { createApp, type App } from "../../src/runner/app.js";
import { SecretRedactor } from "../../src/core/redact.js";
import { loadConfig } from "../../src/config/load.js";
import { KiteTokenError, type ErrorCode } from "../../src/core/errors.js";
import type { FailureReport } from "../../src/runner/alerts/report.js";
import type { RefreshOutcome } from "../../src/pipeline/refresh.js";
import { tempDir } from "../helpers/setup.js";

export const SECRETS = {
  KITE_API_KEY: "kiteapikey01",
  KITE_API_SECRET: "apisecret-very-private",
  KITE_USER_ID: "ab1234",
  KITE_PASSWORD: "hunter2-password",
  KITE_TOTP_SECRET: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
};
export const ACCESS_TOKEN = "acc3ssT0kenFromKite99";

/** An app built the way the CLI builds it, from variables, with alerts configured by `env`. */
export function alertApp(env: Record<string, string>): { app: App; dir: string } {
  const dir = tempDir("kt-alerts-");
  const config = loadConfig({
    env: { ...SECRETS, TOKEN_FILE: path.join(dir, "token.json"), ...env },
    cwd: dir,
  });
  const app = createApp(config, { logLevel: "silent" });
  // As the refresh does once Kite hands out a token.
  app.redactor.add(ACCESS_TOKEN);
  return { app, dir };
}

export function failure(
  code: ErrorCode,
  overrides: Partial<FailureReport> = {},
  kiteMessage?: string,
): FailureReport {
  return {
    userId: "AB1234",
    step: "login",
    error: new KiteTokenError(code, `The ${code} failure.`, { kiteMessage }),
    attempts: 1,
    loginUrl: "https://kite.zerodha.com/connect/login?v=3&api_key=kiteapikey01",
    ...overrides,
  };
}

export function success(status: RefreshOutcome["status"] = "refreshed"): RefreshOutcome {
  return {
    status,
    steps: [],
    totpSubmissions: 1,
    record: {
      access_token: ACCESS_TOKEN,
      public_token: "publicTokenValue1",
      user_id: "AB1234",
      user_name: "A Trader",
      api_key: "kiteapikey01",
      login_time: "2026-11-24T08:40:05+05:30",
      expires_at: "2026-11-25T06:00:00+05:30",
      saved_at: "2026-11-24T08:40:06+05:30",
    },
  };
}

/** A small PNG-like file standing in for the login page's screenshot. */
export function screenshot(dir: string): { path: string; bytes: Buffer } {
  const bytes = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from("screenshot of the 2FA page"),
  ]);
  const file = path.join(dir, "login-failure-AB1234.png");
  writeFileSync(file, bytes);
  return { path: file, bytes };
}

/** Every secret a message must never contain. */
export function secretValues(extra: string[] = []): string[] {
  return [
    SECRETS.KITE_API_SECRET,
    SECRETS.KITE_PASSWORD,
    SECRETS.KITE_TOTP_SECRET,
    ACCESS_TOKEN,
    ...extra,
  ];
}

/** An in-memory alert state store (the injected interface the worker's state file can replace). */
export class MemoryStateStore implements AlertStateStore {
  readonly name = "memory";
  state: AlertState | undefined;
  load(): Promise<unknown> {
    return Promise.resolve(this.state);
  }
  save(state: AlertState): Promise<void> {
    this.state = structuredClone(state);
    return Promise.resolve();
  }
}

/** An alert service over given channels, with retries that do not wait (their pauses are recorded). */
export function serviceWith(
  channels: AlertChannel[],
  options: { onSuccess?: boolean; store?: AlertStateStore } = {},
): { service: AlertService; pauses: number[]; redactor: SecretRedactor } {
  const pauses: number[] = [];
  const logger = pino({ level: "silent" });
  const redactor = new SecretRedactor().add(...secretValues());
  const alerter = new Alerter({
    channels,
    logger,
    redactor,
    sleep: (ms) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  });
  const service = new AlertService({
    alerter,
    episodes: new Episodes(options.store ?? new MemoryStateStore(), logger),
    logger,
    onSuccess: options.onSuccess ?? false,
  });
  return { service, pauses, redactor };
}

/** An e-mail channel delivering to a loopback SMTP server. */
export function emailTo(smtp: { url: string }): EmailChannel {
  return new EmailChannel({
    smtpUrl: smtp.url,
    to: ["trader@example.com"],
    from: "alerts@example.com",
  });
}
