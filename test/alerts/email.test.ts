import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { EmailChannel } from "../../src/runner/alerts/email.js";
import { KiteTokenError } from "../../src/core/errors.js";
import { closedPort, smtpSink } from "../helpers/alert-servers.js";
import { alertApp, failure, screenshot, secretValues, serviceWith } from "./helpers.js";

const SMTP_PASS = "smtp-pass-Secret9";

describe("email alerts through a real SMTP server", () => {
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  before(async () => {
    smtp = await smtpSink({ user: "alerts@example.com", pass: SMTP_PASS });
  });
  after(() => smtp.close());

  it("a failure alert reaches every recipient with both parts, the hint, the fallback and the screenshot, and no secret", async () => {
    const { app, dir } = alertApp({
      SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: "trader@example.com, backup@example.com",
      ALERT_EMAIL_FROM: "kite-token <alerts@example.com>",
    });
    const shot = screenshot(dir);
    const alerts = await app.alerts();
    const before = smtp.mails.length;
    const nextAttemptAt = new Date("2026-11-24T03:05:00Z"); // 08:35 IST
    const results = await alerts.onRunOutcome({
      ok: false,
      failure: failure(
        "TOTP_REJECTED",
        {
          attempts: 2,
          nextAttemptAt,
          screenshotPath: shot.path,
          at: new Date("2026-11-24T03:01:00Z"),
        },
        "Invalid TOTP",
      ),
    });
    alerts.close();

    expect(results).toEqual([expect.objectContaining({ channel: "email", ok: true })]);
    expect(smtp.mails).toHaveLength(before + 1);
    const mail = smtp.mails.at(-1)!;
    expect(mail.to).toEqual(["trader@example.com", "backup@example.com"]);
    expect(mail.from).toBe("alerts@example.com");
    expect(mail.parsed.subject).toContain("AB1234");
    expect(mail.parsed.subject).toContain("TOTP_REJECTED");
    expect(mail.parsed.subject).toMatch(/, next attempt 08:35 IST$/);
    const text = mail.parsed.text ?? "";
    const html = String(mail.parsed.html);
    for (const part of [text, html]) {
      expect(part).toContain("AB1234");
      expect(part).toContain("TOTP_REJECTED");
      expect(part).toContain("Invalid TOTP");
      expect(part).toContain("clock");
      expect(part).toContain("KITE_TOTP_SECRET");
      expect(part).toContain("08:35 IST (in 4m 00s)");
      expect(part).toContain("kite-token exchange");
      expect(part).toContain("npm run refresh");
      expect(part).toContain("login");
    }
    expect(text).toContain("https://kite.zerodha.com/connect/login?v=3&api_key=kiteapikey01");
    expect(text).toMatch(/Attempts today:\s+2/);
    expect(html).toContain(
      '<a href="https://kite.zerodha.com/connect/login?v=3&amp;api_key=kiteapikey01">',
    );
    expect(mail.parsed.attachments).toHaveLength(1);
    const attachment = mail.parsed.attachments[0]!;
    expect(attachment.filename).toBe("login-failure-AB1234.png");
    expect(attachment.contentType).toBe("image/png");
    expect(Buffer.compare(attachment.content, shot.bytes)).toBe(0);
    for (const secret of secretValues([SMTP_PASS])) expect(mail.raw).not.toContain(secret);
  });

  it("says when there will be no more attempts today, and why", async () => {
    const { app } = alertApp({ SMTP_URL: smtp.url, ALERT_EMAIL_TO: "trader@example.com" });
    const alerts = await app.alerts();
    await alerts.onRunOutcome({
      ok: false,
      failure: failure("BAD_CREDENTIALS", {}, "Invalid username or password."),
    });
    alerts.close();
    const mail = smtp.mails.at(-1)!;
    // The From defaults to the SMTP user when it is an address.
    expect(mail.from).toBe("alerts@example.com");
    expect(mail.parsed.subject).toContain("no more attempts today");
    expect(mail.parsed.text).toContain("Update KITE_PASSWORD");
    expect(mail.parsed.text).toContain("BAD_CREDENTIALS is not retried");
    expect(mail.parsed.attachments).toHaveLength(0);
  });

  it("scrubs a secret that slipped into an error message before it leaves the machine", async () => {
    const { app } = alertApp({ SMTP_URL: smtp.url, ALERT_EMAIL_TO: "trader@example.com" });
    const alerts = await app.alerts();
    const leaky = failure("BROWSER_FAILED", {
      error: new KiteTokenError(
        "BROWSER_FAILED",
        `Chromium crashed after typing hunter2-password and JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP; token acc3ssT0kenFromKite99, ${SMTP_PASS}`,
      ),
    });
    const [result] = await alerts.onRunOutcome({ ok: false, failure: leaky });
    alerts.close();
    expect(result?.ok).toBe(true);
    const mail = smtp.mails.at(-1)!;
    expect(mail.parsed.text).toContain("Chromium crashed after typing [redacted]");
    for (const secret of secretValues([SMTP_PASS])) expect(mail.raw).not.toContain(secret);
  });

  it("verify checks the connection and the login without sending; a wrong password fails", async () => {
    const { app } = alertApp({ SMTP_URL: smtp.url, ALERT_EMAIL_TO: "trader@example.com" });
    const { verifyChannels } = await import("../../src/runner/alerts/check.js");
    const before = smtp.mails.length;
    const alerts = await app.alerts();
    const [ok] = await verifyChannels(alerts.channels, app.redactor);
    alerts.close();
    expect(ok).toEqual(expect.objectContaining({ channel: "email", ok: true }));
    expect(ok?.detail).toContain("verified");
    expect(smtp.mails).toHaveLength(before);

    const wrong = alertApp({
      SMTP_URL: smtp.url.replace(encodeURIComponent(SMTP_PASS), "wrong-password-1"),
      ALERT_EMAIL_TO: "trader@example.com",
    });
    const wrongAlerts = await wrong.app.alerts();
    const [bad] = await verifyChannels(wrongAlerts.channels, wrong.app.redactor);
    wrongAlerts.close();
    expect(bad?.ok).toBe(false);
    expect(bad?.detail).toContain("EAUTH");
    expect(bad?.detail).not.toContain("wrong-password-1");
  });

  it("an SMTP server that is down: tried three times, reported as failed, never thrown", async () => {
    const port = await closedPort();
    const email = new EmailChannel({
      smtpUrl: `smtp://alerts%40example.com:${SMTP_PASS}@127.0.0.1:${port}`,
      to: ["trader@example.com"],
      from: "alerts@example.com",
    });
    const { service, pauses } = serviceWith([email]);
    const results = await service.onRunOutcome({
      ok: false,
      failure: failure("KITE_UNAVAILABLE"),
    });
    service.close();
    expect(results).toEqual([
      expect.objectContaining({ channel: "email", ok: false, attempts: 3 }),
    ]);
    expect(pauses).toEqual([2000, 5000]);
    expect(results[0]?.detail).toContain("ECONNREFUSED");
    expect(results[0]?.detail).not.toContain(SMTP_PASS);
  });
});
