import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "expect";
import pino from "pino";
import {
  nextDeadline,
  startDeadlineWatchdog,
  type WatchdogTimer,
} from "../../src/runner/alerts/watchdog.js";
import { deadlineWatchdog } from "../../src/runner/app.js";
import type { TokenStatus } from "../../src/pipeline/status.js";
import { smtpSink } from "../helpers/alert-servers.js";
import { alertApp, emailTo, failure, serviceWith, success } from "./helpers.js";

const NINE = { hour: 9, minute: 0 };

/** A clock and timer under the test's control: `advance` moves time and fires due timers. */
function fakeTimer(startIso: string) {
  let now = new Date(startIso).getTime();
  let seq = 0;
  const timers = new Map<number, { at: number; run: () => void }>();
  const timer: WatchdogTimer & { advanceTo(iso: string): Promise<void>; pending(): number } = {
    now: () => new Date(now),
    setTimeout: (run, ms) => {
      timers.set(++seq, { at: now + ms, run });
      return seq;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    async advanceTo(iso) {
      const target = new Date(iso).getTime();
      for (;;) {
        const due = [...timers]
          .filter(([, t]) => t.at <= target)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].run();
        // Let the check's promises settle before the next timer.
        for (let i = 0; i < 20; i++) await Promise.resolve();
        await new Promise((r) => setImmediate(r));
      }
      now = target;
    },
    pending: () => timers.size,
  };
  return timer;
}

describe("nextDeadline", () => {
  it("is the next 09:00 IST whatever the machine's time zone", () => {
    // 08:59 IST → 09:00 IST the same day; 09:00 IST exactly → the next day.
    expect(nextDeadline(new Date("2026-11-24T03:29:00Z"), NINE).toISOString()).toBe(
      "2026-11-24T03:30:00.000Z",
    );
    expect(nextDeadline(new Date("2026-11-24T03:30:00Z"), NINE).toISOString()).toBe(
      "2026-11-25T03:30:00.000Z",
    );
    // 23:00 UTC is 04:30 IST the next day: the deadline is that day's 09:00 IST.
    expect(nextDeadline(new Date("2026-11-23T23:00:00Z"), NINE).toISOString()).toBe(
      "2026-11-24T03:30:00.000Z",
    );
  });
});

describe("the deadline watchdog", () => {
  it("alerts at the deadline when there is no valid token, then checks again the next day", async () => {
    const timer = fakeTimer("2026-11-24T00:00:00Z"); // 05:30 IST
    const statuses: TokenStatus["state"][] = ["missing", "valid"];
    const missed: Array<{ state: string; at: string }> = [];
    const watchdog = startDeadlineWatchdog({
      deadline: NINE,
      logger: pino({ level: "silent" }),
      timer,
      readStatus: () =>
        Promise.resolve({ state: statuses.shift() ?? "valid", kiteCheck: "skipped" }),
      onMissed: (status, at) => {
        missed.push({ state: status.state, at: at.toISOString() });
        return Promise.resolve();
      },
    });
    expect(watchdog.nextAt.toISOString()).toBe("2026-11-24T03:30:00.000Z");
    await timer.advanceTo("2026-11-24T03:29:59Z");
    expect(missed).toEqual([]);
    await timer.advanceTo("2026-11-24T03:30:00Z");
    expect(missed).toEqual([{ state: "missing", at: "2026-11-24T03:30:00.000Z" }]);
    expect(watchdog.nextAt.toISOString()).toBe("2026-11-25T03:30:00.000Z");
    await timer.advanceTo("2026-11-25T04:00:00Z"); // the next day the token is valid
    expect(missed).toHaveLength(1);
    expect(timer.pending()).toBe(1);
    watchdog.stop();
    expect(timer.pending()).toBe(0);
  });

  it("skips inactive days and survives a status reader that throws", async () => {
    const timer = fakeTimer("2026-11-24T00:00:00Z");
    let reads = 0;
    const missed: string[] = [];
    const watchdog = startDeadlineWatchdog({
      deadline: NINE,
      logger: pino({ level: "silent" }),
      timer,
      isActiveDay: (at) =>
        at.toISOString().startsWith("2026-11-25") || at.toISOString().startsWith("2026-11-26"),
      readStatus: () => {
        reads++;
        return reads === 1
          ? Promise.reject(new Error("disk gone"))
          : Promise.resolve({ state: "expired", kiteCheck: "skipped" });
      },
      onMissed: (_s, at) => {
        missed.push(at.toISOString());
        return Promise.resolve();
      },
    });
    await timer.advanceTo("2026-11-26T04:00:00Z");
    watchdog.stop();
    expect(reads).toBe(2); // not on the 24th; the 25th threw; the 26th alerted
    expect(missed).toEqual(["2026-11-26T03:30:00.000Z"]);
  });

  it("wired by the app: at 09:00 IST with no token, one mail naming the last failure and the fallback", async () => {
    const smtp = await smtpSink();
    try {
      const { app } = alertApp({
        SMTP_URL: smtp.url,
        ALERT_EMAIL_TO: "trader@example.com",
        KITE_LOGIN_URL: "https://kite.zerodha.com/connect/login",
      });
      const alerts = await app.alerts();
      await alerts.onRunOutcome({ ok: false, failure: failure("TOTP_REJECTED") });
      const timer = fakeTimer("2026-11-24T03:00:00Z");
      const watchdog = await deadlineWatchdog(app, { timer });
      expect(watchdog).toBeDefined();
      await timer.advanceTo("2026-11-24T03:30:00Z");
      // The check reads the token file and sends over SMTP: real I/O, so wait for the mail.
      for (let i = 0; i < 100 && smtp.mails.length < 2; i++) await sleep(50);
      watchdog?.stop();
      alerts.close();
      expect(smtp.mails).toHaveLength(2);
      const mail = smtp.mails[1]!;
      expect(mail.parsed.subject).toBe("kite-token: AB1234 has NO valid Kite token at 09:00 IST");
      expect(mail.parsed.text).toContain("no token is saved");
      expect(mail.parsed.text).toContain("TOTP_REJECTED");
      expect(mail.parsed.text).toContain(
        "https://kite.zerodha.com/connect/login?v=3&api_key=kiteapikey01",
      );
      expect(mail.parsed.text).toContain("kite-token exchange");
    } finally {
      await smtp.close();
    }
  });

  it("the deadline alert goes out once per Kite day", async () => {
    const smtp = await smtpSink();
    try {
      const email = emailTo(smtp);
      const { service } = serviceWith([email]);
      const input = {
        userId: "AB1234",
        deadline: new Date("2026-11-24T03:30:00Z"),
        status: { state: "expired", kiteCheck: "skipped" } as TokenStatus,
        loginUrl: "https://kite.zerodha.com/connect/login?v=3&api_key=k",
      };
      await service.deadlineMissed(input);
      await service.deadlineMissed(input);
      await service.deadlineMissed({ ...input, deadline: new Date("2026-11-25T03:30:00Z") });
      await service.onRunOutcome({ ok: true, outcome: success() });
      service.close();
      expect(smtp.mails.map((m) => m.parsed.subject)).toEqual([
        "kite-token: AB1234 has NO valid Kite token at 09:00 IST",
        "kite-token: AB1234 has NO valid Kite token at 09:00 IST",
      ]);
    } finally {
      await smtp.close();
    }
  });

  it("is off with ALERT_DEADLINE=off or without any channel", async () => {
    expect(
      await deadlineWatchdog(
        alertApp({ ALERT_DEADLINE: "off", ALERT_WEBHOOK_URL: "http://127.0.0.1:9/x" }).app,
      ),
    ).toBeUndefined();
    expect(await deadlineWatchdog(alertApp({}).app)).toBeUndefined();
  });
});
