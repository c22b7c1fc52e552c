import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { verifyChannels } from "../../src/runner/alerts/check.js";
import { TelegramChannel } from "../../src/runner/alerts/telegram.js";
import { WebhookChannel } from "../../src/runner/alerts/webhook.js";
import { httpSink, smtpSink, type CapturedRequest } from "../helpers/alert-servers.js";
import { tempDir } from "../helpers/setup.js";
import {
  alertApp,
  emailTo,
  failure,
  screenshot,
  secretValues,
  serviceWith,
  success,
} from "./helpers.js";

const BOT_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ";

/** A stand-in for Telegram's Bot API: answers like it, for the right token only. */
function telegramReply(req: CapturedRequest): { status: number; body: unknown } {
  const match = /^\/bot([^/]+)\/(\w+)$/.exec(req.path);
  if (!match || match[1] !== BOT_TOKEN) {
    return { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } };
  }
  if (match[2] === "getMe")
    return { status: 200, body: { ok: true, result: { username: "kite_alerts_bot" } } };
  if (match[2] === "getChat") return { status: 200, body: { ok: true, result: { id: 42 } } };
  return { status: 200, body: { ok: true, result: { message_id: 7 } } };
}

describe("Telegram alerts against a local Bot API", () => {
  let api: Awaited<ReturnType<typeof httpSink>>;
  before(async () => {
    api = await httpSink(telegramReply);
  });
  after(() => api.close());

  it("sends the alert text to the chat, then the screenshot as a photo, through TELEGRAM_API_URL", async () => {
    const { app, dir } = alertApp({
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: "42",
      TELEGRAM_API_URL: api.url,
    });
    const shot = screenshot(dir);
    const alerts = await app.alerts();
    const results = await alerts.onRunOutcome({
      ok: false,
      failure: failure("LOGIN_PAGE_CHANGED", { screenshotPath: shot.path }),
    });
    expect(results).toEqual([
      expect.objectContaining({
        channel: "telegram",
        ok: true,
        detail: "sent to chat 42 (message 7)",
      }),
    ]);
    const [message, photo] = api.requests.slice(-2);
    expect(message?.path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    const body = JSON.parse(message!.body.toString()) as { chat_id: string; text: string };
    expect(body.chat_id).toBe("42");
    expect(body.text).toContain("LOGIN_PAGE_CHANGED");
    expect(body.text).toContain("kite-token exchange");
    expect(body.text).toContain("layout may have changed");
    expect(photo?.path).toBe(`/bot${BOT_TOKEN}/sendPhoto`);
    expect(photo?.contentType).toContain("multipart/form-data");
    expect(photo!.body.includes(shot.bytes)).toBe(true);
    for (const secret of secretValues()) expect(message!.body.toString()).not.toContain(secret);
  });

  it("verify asks getMe and getChat (nothing sent); a wrong token fails without showing it", async () => {
    const good = new TelegramChannel({ botToken: BOT_TOKEN, chatId: "42", apiUrl: api.url });
    const wrongToken = "987654321:ZZyyXXwwVVuuTTssRRqqPPooNNmmLLkk";
    const bad = new TelegramChannel({ botToken: wrongToken, chatId: "42", apiUrl: api.url });
    const before = api.requests.length;
    const { redactor } = serviceWith([]);
    redactor.add(BOT_TOKEN, wrongToken);
    const [ok, failed] = await verifyChannels([good, bad], redactor);
    expect(ok).toEqual(expect.objectContaining({ ok: true }));
    expect(ok?.detail).toContain("@kite_alerts_bot");
    expect(failed?.ok).toBe(false);
    expect(failed?.detail).toContain("HTTP 401");
    expect(failed?.detail).toContain("TELEGRAM_BOT_TOKEN");
    expect(failed?.detail).not.toContain(wrongToken);
    const methods = api.requests.slice(before).map((r) => r.path.split("/").at(-1));
    expect(methods).not.toContain("sendMessage");
    expect(methods).toContain("getChat");
  });
});

describe("webhook alerts (Slack, Discord, any JSON endpoint)", () => {
  it("posts JSON with the same message as `text` and `content`", async () => {
    const hook = await httpSink(() => ({ status: 204, body: "" }));
    try {
      const { app } = alertApp({ ALERT_WEBHOOK_URL: `${hook.url}/services/T000/B000/XXXXsecret` });
      const alerts = await app.alerts();
      const results = await alerts.onRunOutcome({
        ok: false,
        failure: failure("KITE_UNAVAILABLE"),
      });
      expect(results).toEqual([
        expect.objectContaining({
          channel: "webhook",
          ok: true,
          detail: expect.stringContaining("HTTP 204"),
        }),
      ]);
      expect(results[0]?.target).not.toContain("XXXXsecret");
      const request = hook.requests.at(-1)!;
      expect(request.method).toBe("POST");
      expect(request.path).toBe("/services/T000/B000/XXXXsecret");
      expect(request.contentType).toBe("application/json");
      const body = JSON.parse(request.body.toString()) as { text: string; content: string };
      expect(body.text).toBe(body.content);
      expect(body.text).toContain("KITE_UNAVAILABLE");
      expect(body.text.length).toBeLessThanOrEqual(2000);
    } finally {
      await hook.close();
    }
  });

  it("a failing channel is retried, logged, and named in the next channel's message; nothing throws", async () => {
    const hook = await httpSink(() => ({ status: 500, body: { error: "boom" } }));
    const smtp = await smtpSink();
    try {
      const webhook = new WebhookChannel({ url: `${hook.url}/hook` });
      const email = emailTo(smtp);
      const { service, pauses } = serviceWith([webhook, email]);
      const results = await service.onRunOutcome({
        ok: false,
        failure: failure("REDIRECT_TIMEOUT"),
      });
      service.close();
      expect(results.map((r) => [r.channel, r.ok, r.attempts])).toEqual([
        ["webhook", false, 3],
        ["email", true, 1],
      ]);
      expect(hook.requests).toHaveLength(3);
      expect(pauses).toEqual([2000, 5000]);
      const mail = smtp.mails.at(-1)!;
      expect(mail.parsed.text).toContain("some alert channels failed");
      expect(mail.parsed.text).toContain("webhook");
      expect(mail.parsed.text).toContain("HTTP 500");
      expect(String(mail.parsed.html)).toContain("HTTP 500");
    } finally {
      await hook.close();
      await smtp.close();
    }
  });

  it("a failure after the last successful channel is carried to the next alert", async () => {
    const smtp = await smtpSink();
    const hook = await httpSink(() => ({ status: 404, body: "no such hook" }));
    try {
      const email = emailTo(smtp);
      const webhook = new WebhookChannel({ url: `${hook.url}/gone` });
      const { service } = serviceWith([email, webhook], { onSuccess: true });
      await service.onRunOutcome({ ok: false, failure: failure("KITE_UNAVAILABLE") });
      expect(smtp.mails.at(-1)?.parsed.text).not.toContain("failed and did not deliver");
      await service.onRunOutcome({ ok: true, outcome: success() });
      service.close();
      expect(smtp.mails).toHaveLength(2);
      expect(smtp.mails[1]?.parsed.subject).toContain("recovered");
      expect(smtp.mails[1]?.parsed.text).toContain("webhook");
      expect(smtp.mails[1]?.parsed.text).toContain("HTTP 404");
    } finally {
      await hook.close();
      await smtp.close();
    }
  });

  it("a screenshot file that is gone does not cost the e-mail", async () => {
    const smtp = await smtpSink();
    try {
      const email = emailTo(smtp);
      const { service } = serviceWith([email]);
      const [result] = await service.onRunOutcome({
        ok: false,
        failure: failure("LOGIN_PAGE_CHANGED", { screenshotPath: `${tempDir()}/missing.png` }),
      });
      service.close();
      expect(result?.ok).toBe(true);
      expect(smtp.mails[0]?.parsed.attachments).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });
});
