import { statSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import pino from "pino";
import { Episodes, FileAlertStateStore, kiteDay } from "../../src/runner/alerts/episode.js";
import { smtpSink } from "../helpers/alert-servers.js";
import { tempDir } from "../helpers/setup.js";
import { alertApp, emailTo, failure, MemoryStateStore, serviceWith, success } from "./helpers.js";

const at = (iso: string): Date => new Date(iso);

describe("one alert per failure episode", () => {
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  before(async () => {
    smtp = await smtpSink();
  });
  after(() => smtp.close());

  const fresh = (onSuccess = false) => {
    smtp.mails.length = 0;
    const email = emailTo(smtp);
    return serviceWith([email], { onSuccess, store: new MemoryStateStore() }).service;
  };

  it("a failure and three retries of it send one mail; the first success sends one recovery mail", async () => {
    const service = fresh();
    for (let attempt = 1; attempt <= 4; attempt++) {
      await service.onRunOutcome({
        ok: false,
        failure: failure("TOTP_REJECTED", {
          attempts: attempt,
          at: at(`2026-11-24T03:0${attempt}:00Z`),
        }),
      });
    }
    expect(smtp.mails.map((m) => m.parsed.subject)).toEqual([
      expect.stringContaining("FAILED (TOTP_REJECTED)"),
    ]);
    await service.onRunOutcome({ ok: true, outcome: success(), at: at("2026-11-24T03:10:00Z") });
    await service.onRunOutcome({ ok: true, outcome: success(), at: at("2026-11-24T03:20:00Z") });
    service.close();
    expect(smtp.mails).toHaveLength(2);
    const recovery = smtp.mails[1]!;
    expect(recovery.parsed.subject).toBe(
      "kite-token: AB1234 token refreshed, recovered after 4 failed attempts",
    );
    expect(recovery.parsed.text).toContain("since 08:31 IST (TOTP_REJECTED)");
    expect(recovery.parsed.text).toContain("until 2026-11-25 06:00 IST");
  });

  it("a different error within the episode is told once more; the same one again is not", async () => {
    const service = fresh();
    const codes = ["KITE_UNAVAILABLE", "REDIRECT_TIMEOUT", "KITE_UNAVAILABLE"] as const;
    for (const [i, code] of codes.entries()) {
      await service.onRunOutcome({
        ok: false,
        failure: failure(code, { at: at(`2026-11-24T03:0${i}:00Z`) }),
      });
    }
    service.close();
    expect(smtp.mails.map((m) => /FAILED \((\w+)\)/.exec(m.parsed.subject ?? "")?.[1])).toEqual([
      "KITE_UNAVAILABLE",
      "REDIRECT_TIMEOUT",
    ]);
  });

  it("the next Kite day's failure is a new episode, even without a success in between", async () => {
    const service = fresh();
    await service.onRunOutcome({
      ok: false,
      failure: failure("TOTP_REJECTED", { at: at("2026-11-24T03:00:00Z") }),
    });
    await service.onRunOutcome({
      ok: false,
      failure: failure("TOTP_REJECTED", { at: at("2026-11-25T03:00:00Z") }),
    });
    service.close();
    expect(smtp.mails).toHaveLength(2);
  });

  it("success notices only with ALERT_ON_SUCCESS, one line, and not when the saved token was kept", async () => {
    const quiet = fresh(false);
    await quiet.onRunOutcome({ ok: true, outcome: success() });
    quiet.close();
    expect(smtp.mails).toHaveLength(0);

    const chatty = fresh(true);
    await chatty.onRunOutcome({ ok: true, outcome: success(), at: at("2026-11-24T03:10:00Z") });
    await chatty.onRunOutcome({ ok: true, outcome: success("skipped") });
    chatty.close();
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.parsed.subject).toBe(
      "kite-token: token for AB1234 refreshed at 08:40 IST, valid until 2026-11-25 06:00 IST.",
    );
    expect(mail.parsed.text?.trim()).toBe(mail.parsed.subject);
  });

  it("the default state file sits beside the token, is 0600, and survives a restart", async () => {
    const { app, dir } = alertApp({ SMTP_URL: smtp.url, ALERT_EMAIL_TO: "trader@example.com" });
    smtp.mails.length = 0;
    expect(app.config.alerts.stateFile).toBe(path.join(dir, "alerts.json"));
    const first = await app.alerts();
    await first.onRunOutcome({ ok: false, failure: failure("TOTP_REJECTED") });
    first.close();
    const file = path.join(dir, "alerts.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(file, "utf8")) as { episode: { codes: string[] } };
    expect(saved.episode.codes).toEqual(["TOTP_REJECTED"]);

    // A new process (a new app) reads the same state: the retry does not mail again.
    const again = alertApp({
      SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: "trader@example.com",
      ALERT_STATE_FILE: file,
    });
    const second = await again.app.alerts();
    await second.onRunOutcome({ ok: false, failure: failure("TOTP_REJECTED", { attempts: 2 }) });
    second.close();
    expect(smtp.mails).toHaveLength(1);
  });

  it("a corrupt state file is logged and started afresh: the alert still goes out", async () => {
    const file = path.join(tempDir(), "alerts.json");
    writeFileSync(file, "{not json");
    const episodes = new Episodes(new FileAlertStateStore(file), pino({ level: "silent" }));
    expect(await episodes.failure("TOTP_REJECTED", "AB1234", new Date())).toBe(true);
    expect(await episodes.failure("TOTP_REJECTED", "AB1234", new Date())).toBe(false);
  });
});

describe("kiteDay", () => {
  it("changes at 06:00 IST, not at midnight", () => {
    expect(kiteDay(at("2026-11-24T00:29:59Z"))).toBe("2026-11-23"); // 05:59:59 IST
    expect(kiteDay(at("2026-11-24T00:30:00Z"))).toBe("2026-11-24"); // 06:00 IST
    expect(kiteDay(at("2026-11-24T18:30:00Z"))).toBe("2026-11-24"); // midnight IST
  });
});
