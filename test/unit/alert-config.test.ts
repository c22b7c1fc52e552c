import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { loadConfig } from "../../src/config/load.js";
import { KiteTokenError } from "../../src/core/errors.js";

const dir = (): string => mkdtempSync(path.join(tmpdir(), "kt-alert-config-"));

function problems(env: Record<string, string>): string {
  try {
    loadConfig({ env, cwd: dir() });
  } catch (error) {
    if (error instanceof KiteTokenError) return error.message;
    throw error;
  }
  throw new Error("expected a configuration error");
}

describe("alert configuration", () => {
  it("has no channel by default, a 09:00 deadline, success notices off, state beside the token", () => {
    const { alerts } = loadConfig({ env: { TOKEN_FILE: "/srv/kite/token.json" }, cwd: dir() });
    expect(alerts.channels).toEqual([]);
    expect(alerts.deadline).toEqual({ hour: 9, minute: 0 });
    expect(alerts.onSuccess).toBe(false);
    expect(alerts.stateFile).toBe("/srv/kite/alerts.json");
  });

  it("turns on each channel whose settings are present, unless ALERT_CHANNELS chooses", () => {
    const env = {
      SMTP_URL: "smtps://me%40gmail.com:abcdefghijklmnop@smtp.gmail.com:465",
      ALERT_EMAIL_TO: "me@gmail.com; desk@example.com",
      TELEGRAM_BOT_TOKEN: "123456:ABC-def_ghi",
      TELEGRAM_CHAT_ID: "-1001234",
      ALERT_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x",
      ALERT_DEADLINE: "8:50",
      ALERT_ON_SUCCESS: "true",
    };
    const auto = loadConfig({ env, cwd: dir() }).alerts;
    expect(auto.channels).toEqual(["email", "telegram", "webhook"]);
    expect(auto.email).toEqual({
      smtpUrl: env.SMTP_URL,
      to: ["me@gmail.com", "desk@example.com"],
      from: "me@gmail.com",
    });
    expect(auto.telegram?.apiUrl).toBe("https://api.telegram.org");
    expect(auto.deadline).toEqual({ hour: 8, minute: 50 });
    expect(auto.onSuccess).toBe(true);
    const chosen = loadConfig({ env: { ...env, ALERT_CHANNELS: "Telegram, webhook" }, cwd: dir() });
    expect(chosen.alerts.channels).toEqual(["telegram", "webhook"]);
    const none = loadConfig({ env: { ...env, ALERT_CHANNELS: "none" }, cwd: dir() });
    expect(none.alerts.channels).toEqual([]);
  });

  it("lists every alert problem by name, without echoing the SMTP password", () => {
    const message = problems({
      ALERT_CHANNELS: "email,telegram,pager",
      SMTP_URL: "http://user:sup3rsecretpw@mail.example.com",
      ALERT_EMAIL_TO: "trader@example.com, not-an-address",
      TELEGRAM_BOT_TOKEN: "nonsense",
      ALERT_DEADLINE: "9am",
      ALERT_ON_SUCCESS: "yes",
    });
    for (const expected of [
      "ALERT_CHANNELS 'email,telegram,pager' must list channels among email, telegram, webhook (or be none); unknown: pager",
      "SMTP_URL must be smtp://user:pass@host:port or smtps://user:pass@host:port",
      "ALERT_EMAIL_TO 'trader@example.com, not-an-address' must be one or more e-mail addresses separated by commas (not an address: not-an-address)",
      "TELEGRAM_BOT_TOKEN must look like",
      "TELEGRAM_CHAT_ID is required for telegram alerts",
      "ALERT_DEADLINE '9am' must be HH:MM",
      "ALERT_ON_SUCCESS 'yes' must be true or false",
    ]) {
      expect(message).toContain(expected);
    }
    expect(message).not.toContain("sup3rsecretpw");
  });

  it("asks for ALERT_EMAIL_TO, and for ALERT_EMAIL_FROM when the SMTP user is no address", () => {
    const message = problems({ SMTP_URL: "smtp://apikey:SG.secretvalue@smtp.sendgrid.net:587" });
    expect(message).toContain("ALERT_EMAIL_TO is required for email alerts");
    expect(message).toContain("ALERT_EMAIL_FROM is required for email alerts");
    // A relay with no login at all is told the same, in its own terms.
    expect(problems({ SMTP_URL: "smtp://mail.internal:25" })).toContain(
      "ALERT_EMAIL_FROM is required for email alerts when SMTP_URL's user is not an e-mail address (or it has none)",
    );
  });
});
