import { describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { Alerter, bounded } from "../../src/runner/alerts/alerter.js";
import type { AlertChannel, AlertMessage } from "../../src/runner/alerts/types.js";
import { SecretRedactor } from "../../src/core/redact.js";
import { EmailChannel, smtpOptions, SMTP_TIMEOUTS } from "../../src/runner/alerts/email.js";
import { silentSmtp } from "../helpers/alert-servers.js";

describe("every channel's wait is bounded", () => {
  it("the SMTP transport gets its timeouts as options (the URL form drops them), and the URL's parts", () => {
    expect(smtpOptions("smtps://you%40gmail.com:app%20pass@smtp.gmail.com:465")).toEqual({
      host: "smtp.gmail.com",
      port: 465,
      secure: true,
      auth: { user: "you@gmail.com", pass: "app pass" },
      ...SMTP_TIMEOUTS,
    });
    expect(smtpOptions("smtp://relay.lan?tls.rejectUnauthorized=false&ignoreTLS=true")).toEqual({
      host: "relay.lan",
      port: 587,
      secure: false,
      tls: { rejectUnauthorized: false },
      ignoreTLS: true,
      ...SMTP_TIMEOUTS,
    });
  });

  it("an SMTP server that never greets fails the send by its greeting timeout, not never", async () => {
    const silent = await silentSmtp();
    try {
      const email = new EmailChannel({
        smtpUrl: `smtp://a%40example.com:pw@127.0.0.1:${silent.port}`,
        to: ["trader@example.com"],
        from: "a@example.com",
      });
      await expect(
        email.send({ kind: "test", subject: "s", text: "t", html: "<p>t</p>", attachments: [] }),
      ).rejects.toThrow(/Greeting never received|ETIMEDOUT/);
      email.close();
    } finally {
      await silent.close();
    }
  });

  it("a try ends at its deadline or when the run stops waiting", async () => {
    const never = new Promise<string>(() => undefined);
    // The deadline's timer never keeps a process alive: this test's own timer does.
    const alive = setTimeout(() => undefined, 5000);
    await expect(bounded(never, 50)).rejects.toThrow("no answer within 0.05 s");
    clearTimeout(alive);
    const stop = new AbortController();
    const pending = bounded(never, 60_000, stop.signal);
    stop.abort();
    await expect(pending).rejects.toThrow("not answered before the run stopped waiting");
    await expect(bounded(Promise.resolve("sent"), 50)).resolves.toBe("sent");
  });

  it("a channel refused, then cut short by the stop, reports the refusal, not the stop", async () => {
    let tries = 0;
    const stop = new AbortController();
    const channel: AlertChannel = {
      name: "email",
      target: "smtp://127.0.0.1:25",
      send: () => {
        tries += 1;
        if (tries === 1) return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:25"));
        stop.abort(); // the run stops waiting while the second try is in flight
        return new Promise<string>(() => undefined);
      },
      verify: () => Promise.resolve(""),
      close: () => undefined,
    };
    const alerter = new Alerter({
      channels: [channel],
      logger: pino({ level: "silent" }),
      redactor: new SecretRedactor(),
      sleep: () => Promise.resolve(),
    });
    const message = { kind: "failure", subject: "s", text: "t", html: "h" } as AlertMessage;
    const [result] = await alerter.send(message, { signal: stop.signal });
    expect(result).toMatchObject({
      ok: false,
      attempts: 2,
      detail: "connect ECONNREFUSED 127.0.0.1:25",
    });
    // Nothing failed before the stop: the stop is the reason.
    const hanging = new AbortController();
    const silent: AlertChannel = {
      ...channel,
      send: () => {
        hanging.abort();
        return new Promise<string>(() => undefined);
      },
    };
    const quiet = new Alerter({
      channels: [silent],
      logger: pino({ level: "silent" }),
      redactor: new SecretRedactor(),
    });
    const [cut] = await quiet.send(message, { signal: hanging.signal });
    expect(cut).toMatchObject({
      ok: false,
      attempts: 1,
      detail: "not answered before the run stopped waiting",
    });
  });
});
