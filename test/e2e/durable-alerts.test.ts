import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import {
  closedPort,
  hangingHttp,
  httpSink,
  mailSettings,
  silentSmtp,
  smtpSink,
  type ReceivedMail,
} from "../helpers/alert-servers.js";
import { runCli } from "../helpers/cli.js";
import { simEnv } from "../helpers/worker-process.js";
import { tempDir } from "../helpers/setup.js";
import { startTestWorker, waitFor, workerApp } from "../helpers/worker-app.js";

/**
 * Nothing silently lost (issue 17): an alert no channel accepted stays pending in the
 * alert state and is delivered by the next run, or by the worker without a new run;
 * sending never holds a run or its process.
 */
let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

const SMTP_AUTH = { user: "alerts@example.com", pass: "smtp-pass-Secret9" };
const smtpUrl = (port: number): string =>
  `smtp://${encodeURIComponent(SMTP_AUTH.user)}:${SMTP_AUTH.pass}@127.0.0.1:${port}`;

interface Pending {
  kind: string;
  subject: string;
  attempts: number;
  last_error: string | null;
}
const pendingIn = (dir: string): Pending[] => {
  const file = path.join(dir, "alerts.json");
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, "utf8")) as { pending: Pending[] }).pending;
};

/** The CLI's settings against the simulator, as a person runs it (no LOG_LEVEL: no log lines). */
const cliEnv = (dir: string, extra: Record<string, string>): Record<string, string> => {
  const env = simEnv(sim, dir, { LOGIN_STRATEGY: "http", ...extra });
  delete env["LOG_LEVEL"];
  return env;
};

/** A failing refresh (a wrong password: one login, never retried) against the simulator. */
const failingEnv = (dir: string, port: number): Record<string, string> =>
  cliEnv(dir, { KITE_PASSWORD: "wrong-password-17", ...mailSettings(smtpUrl(port)) });

const subjects = (mails: ReceivedMail[]): string[] => mails.map((m) => m.parsed.subject ?? "");

describe("durable alerts", () => {
  it("an SMTP server that accepts and never answers: the failing refresh ends within seconds, its alert pending in one line", async () => {
    const silent = await silentSmtp();
    const dir = tempDir();
    try {
      // Before: ~100 s to print the result, then a process that never exited. Now the run
      // waits a few seconds (ALERT_WAIT_MS) for its alerts: a process still there after 15 s
      // is killed, and leaves no exit code.
      const result = await runCli(["refresh"], failingEnv(dir, silent.port), dir, 15_000);
      console.log(`refresh against a silent SMTP server: exited after ${result.ms} ms`);
      expect(result.code).toBe(1); // exited by itself (a kill would leave no code)
      expect(silent.connections()).toBeGreaterThan(0);
      const lines = (result.stdout + result.stderr).split("\n").filter(Boolean);
      expect(lines.filter((l) => l.trimStart().startsWith("{"))).toEqual([]);
      expect(lines.filter((l) => l.includes("alert pending"))).toEqual([
        expect.stringMatching(
          /^kite-token: alert pending \(not delivered yet: email: .+\), will be retried by the next run or the worker\.$/,
        ),
      ]);
      expect(result.stderr).toMatch(/^kite-token: BAD_CREDENTIALS: /m);
      // The failure is told first, then the wait for the alert, then the alert left
      // pending: the result is never held behind the mail server, nor the wait silent.
      const errors = result.stderr.split("\n");
      const failed = errors.findIndex((l) => l.startsWith("kite-token: BAD_CREDENTIALS: "));
      const waiting = errors.findIndex((l) => l.startsWith("kite-token: still sending"));
      const pending = errors.findIndex((l) => l.startsWith("kite-token: alert pending"));
      expect(errors[waiting]).toBe(
        "kite-token: still sending notifications (5 s at most; an alert not delivered by then stays pending)…",
      );
      expect([failed < waiting, waiting < pending]).toEqual([true, true]);
      expect(result.stdout + result.stderr).not.toContain(SMTP_AUTH.pass);
      expect(pendingIn(dir)).toEqual([
        expect.objectContaining({
          kind: "failure",
          subject: expect.stringContaining("FAILED (BAD_CREDENTIALS)"),
          attempts: 1,
          last_error: expect.stringMatching(/^email: /),
        }),
      ]);
    } finally {
      await silent.close();
    }
  });

  it("a Telegram API and a webhook that take the request and never answer: the failing refresh ends within seconds, its alert pending; the next run delivers it once to each", async () => {
    const BOT_TOKEN = "7001:bot-Secret-Hanging";
    const HOOK_PATH = "/hooks/T00/B00/hook-Secret-Path";
    const channels = (url: string): Record<string, string> => ({
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: "42",
      TELEGRAM_API_URL: url,
      ALERT_WEBHOOK_URL: `${url}${HOOK_PATH}`,
    });
    const failing = (url: string): Record<string, string> =>
      cliEnv(dir, { KITE_PASSWORD: "wrong-password-17", ...channels(url) });
    const dir = tempDir();
    const hanging = await hangingHttp();
    try {
      const result = await runCli(["refresh"], failing(hanging.url), dir, 20_000);
      console.log(`refresh against hanging Telegram and webhook: exited after ${result.ms} ms`);
      expect(result.code).toBe(1); // exited by itself (a kill would leave no code)
      expect(hanging.paths()).toEqual(
        expect.arrayContaining([`POST /bot${BOT_TOKEN}/sendMessage`, `POST ${HOOK_PATH}`]),
      );
      expect(result.stderr).toMatch(/^kite-token: BAD_CREDENTIALS: /m);
      const pendingLines = result.stderr.split("\n").filter((l) => l.includes("alert pending"));
      expect(pendingLines).toEqual([
        "kite-token: alert pending (not delivered yet: telegram: not answered before the run stopped waiting; webhook: not answered before the run stopped waiting), will be retried by the next run or the worker.",
      ]);
      for (const secret of [BOT_TOKEN, HOOK_PATH, "hook-Secret-Path"]) {
        expect(result.stdout + result.stderr).not.toContain(secret);
        expect(readFileSync(path.join(dir, "alerts.json"), "utf8")).not.toContain(secret);
      }
      expect(pendingIn(dir)).toEqual([
        expect.objectContaining({ kind: "failure", subject: expect.stringContaining("FAILED") }),
      ]);
    } finally {
      await hanging.close();
    }

    const answering = await httpSink();
    try {
      const second = await runCli(["refresh"], failing(answering.url), dir, 60_000);
      expect(second.code).toBe(1);
      expect(second.stderr).not.toContain("alert pending");
      expect(answering.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
        expect.arrayContaining([`POST /bot${BOT_TOKEN}/sendMessage`, `POST ${HOOK_PATH}`]),
      );
      expect(answering.requests).toHaveLength(2); // one failure alert, once to each channel
      const hook = JSON.parse(
        answering.requests.find((r) => r.path === HOOK_PATH)!.body.toString(),
      ) as { text: string };
      expect(hook.text).toContain("FAILED (BAD_CREDENTIALS)");
      expect(hook.text).toContain("Sent late");
      expect(pendingIn(dir)).toEqual([]);
    } finally {
      await answering.close();
    }
  });

  it("SMTP down at the first failure and back before the next run: exactly one failure mail, from the next run", async () => {
    const port = await closedPort();
    const dir = tempDir();
    const first = await runCli(["refresh"], failingEnv(dir, port), dir, 60_000);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(
      /^kite-token: alert pending \(not delivered yet: email: .*ECONNREFUSED/m,
    );
    expect(pendingIn(dir)).toEqual([
      expect.objectContaining({
        kind: "failure",
        attempts: 1,
        last_error: expect.stringContaining("ECONNREFUSED"),
      }),
    ]);

    const smtp = await smtpSink(SMTP_AUTH, port); // the mail server is back
    try {
      const second = await runCli(["refresh"], failingEnv(dir, port), dir, 60_000);
      expect(second.code).toBe(1);
      expect(second.stderr).not.toContain("alert pending");
      expect(subjects(smtp.mails)).toEqual([expect.stringMatching(/FAILED \(BAD_CREDENTIALS\)/)]);
      const text = smtp.mails[0]?.parsed.text ?? "";
      expect(text).toMatch(
        /Sent late: this alert was first tried at \d\d:\d\d IST, and no channel accepted it until now \(1 try; last error: email: .*ECONNREFUSED/,
      );
      expect(pendingIn(dir)).toEqual([]);

      // A third failure of the same episode: still the one mail.
      await runCli(["refresh"], failingEnv(dir, port), dir, 60_000);
      expect(smtp.mails).toHaveLength(1);
      for (const mail of smtp.mails) {
        for (const secret of [
          sim.account.password,
          sim.account.totpSecret,
          sim.app.apiSecret,
          SMTP_AUTH.pass,
        ])
          expect(mail.raw).not.toContain(secret);
      }
    } finally {
      await smtp.close();
    }
  });

  it("the same under the worker, without a new run: its retry timer delivers the pending failure once", async () => {
    const port = await closedPort();
    const { app, dir } = workerApp(sim, {
      LOGIN_STRATEGY: "http",
      KITE_PASSWORD: "wrong-password-17",
      ...mailSettings(smtpUrl(port)),
      ALERT_RETRY_INTERVAL_MS: "1000",
    });
    const service = await startTestWorker(app);
    let smtp: Awaited<ReturnType<typeof smtpSink>> | undefined;
    try {
      await waitFor(
        () => !service.worker.busy && pendingIn(dir).some((p) => p.attempts >= 1),
        "the failure alert pending",
      );
      smtp = await smtpSink(SMTP_AUTH, port);
      const mails = smtp.mails;
      await waitFor(() => mails.length === 1, "the pending alert delivered");
      await waitFor(() => pendingIn(dir).length === 0, "the alert state emptied");
      await new Promise((r) => setTimeout(r, 2500)); // two more retry rounds: nothing more
      expect(subjects(mails)).toEqual([expect.stringMatching(/FAILED \(BAD_CREDENTIALS\)/)]);
      expect((await app.state.read()).runs).toHaveLength(1); // no new run delivered it
    } finally {
      await service.stop();
      await app.close();
      await smtp?.close();
    }
  });

  it("a failure never delivered before its episode ended: the recovery mail carries the 'could not deliver earlier' note", async () => {
    const port = await closedPort();
    const dir = tempDir();
    await runCli(["refresh"], failingEnv(dir, port), dir, 60_000);
    const smtp = await smtpSink(SMTP_AUTH, port);
    try {
      const good = await runCli(["refresh"], cliEnv(dir, mailSettings(smtpUrl(port))), dir, 60_000);
      expect(good.code).toBe(0);
      expect(subjects(smtp.mails)).toEqual([
        "kite-token: DM1234 token refreshed, recovered after 1 failed attempt",
      ]);
      const text = smtp.mails[0]?.parsed.text ?? "";
      expect(text).toContain("Could not deliver earlier");
      expect(text).toMatch(
        /FAILED \(BAD_CREDENTIALS\).*\(first tried \d\d:\d\d IST, 1 try; last error: email: .*ECONNREFUSED/,
      );
      const state = JSON.parse(readFileSync(path.join(dir, "alerts.json"), "utf8")) as {
        pending: unknown[];
        undelivered: unknown[];
      };
      expect(state).toMatchObject({ pending: [], undelivered: [] });
    } finally {
      await smtp.close();
    }
  });
});
