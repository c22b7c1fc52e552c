import { describe, it } from "node:test";
import { expect } from "expect";
import type { Simulator } from "../../src/adapters/simulator/index.js";
import {
  closedPort,
  mailSettings,
  simulatorAndMailForFile,
  type ReceivedMail,
  type smtpSink,
} from "../helpers/alert-servers.js";
import { runCli } from "../helpers/cli.js";
import { simEnv } from "../helpers/worker-process.js";
import { tempDir } from "../helpers/setup.js";
import { savedAccessToken, startTestWorker, waitFor, workerApp } from "../helpers/worker-app.js";

let sim: Simulator;
let smtp: Awaited<ReturnType<typeof smtpSink>>;
simulatorAndMailForFile((s, m) => {
  sim = s;
  smtp = m;
});

/** No secret in any part of any mail (headers, text, HTML, attachments' names). */
function expectNoSecrets(mails: ReceivedMail[], extra: Array<string | undefined> = []): void {
  const secrets = [sim.account.password, sim.account.totpSecret, sim.app.apiSecret, ...extra];
  for (const mail of mails) {
    for (const secret of secrets) if (secret) expect(mail.raw).not.toContain(secret);
  }
}

const subjects = (): string[] => smtp.mails.map((m) => m.parsed.subject ?? "");

describe("the worker's alerts (issue 4)", () => {
  it("mails one failure for a rejected TOTP, with the screenshot; the 2FA budget stops the rest", async () => {
    sim.setScenario({ rejectTotp: true });
    const { app } = workerApp(sim, mailSettings(smtp.url));
    const service = await startTestWorker(app);
    try {
      await waitFor(() => smtp.mails.length === 1 && !service.worker.busy, "the failure mail");
      const twofaBefore = sim.counters.twofaAttempts;
      expect(twofaBefore).toBe(2); // the login's own retry with a fresh code, no more
      // A later scheduled run the same morning: refused by the day's budget, no new mail.
      await service.worker.trigger("schedule");
      expect(sim.counters.twofaAttempts).toBe(twofaBefore);
    } finally {
      await service.stop();
      await app.close();
    }
    const runs = (await app.state.read()).runs;
    expect(runs.map((r) => r.error_code)).toEqual(["TOTP_REJECTED", "TWOFA_BUDGET_SPENT"]);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail?.parsed.subject).toMatch(
      /DM1234 token refresh FAILED \(TOTP_REJECTED\), no more attempts today/,
    );
    const text = mail?.parsed.text ?? "";
    expect(text).toMatch(/Account:\s+DM1234/);
    expect(text).toMatch(/Failed step:\s+login/);
    expect(text).toMatch(/Error:\s+TOTP_REJECTED: /);
    expect(text).toMatch(/Kite said:\s+"/);
    expect(text).toMatch(/Attempts today:\s+1\n/);
    expect(text).toMatch(/Next attempt:\s+none today/);
    expect(text).toContain(`${sim.loginUrl}?v=3&api_key=${sim.app.apiKey}`);
    const attachments = mail?.parsed.attachments ?? [];
    expect(attachments.map((a) => a.filename)).toEqual([
      expect.stringMatching(/TOTP_REJECTED\.png$/),
    ]);
    expect(attachments[0]?.content.subarray(1, 4).toString()).toBe("PNG");
    expectNoSecrets(smtp.mails);
  });

  it("mails one failure then one recovery when the exchange fails until the third attempt", async () => {
    // The pipeline tries the exchange three times with one request token: six failures
    // make the worker's first two attempts fail; the third succeeds.
    sim.setScenario({ exchangeFailures: Array.from({ length: 6 }, () => ({ status: 503 })) });
    const { app, dir } = workerApp(sim, mailSettings(smtp.url));
    const service = await startTestWorker(app);
    try {
      await waitFor(() => smtp.mails.length === 2 && !service.worker.busy, "two mails");
      await new Promise((r) => setTimeout(r, 300)); // a third mail would show by now
    } finally {
      await service.stop();
      await app.close();
    }
    expect(sim.counters.loginAttempts).toBe(3);
    expect(sim.counters.exchangeSucceeded).toBe(1);
    const runs = (await app.state.read()).runs;
    expect(runs.map((r) => r.outcome)).toEqual(["failed", "failed", "refreshed"]);
    const code = runs[0]?.error_code ?? "";
    expect(subjects()).toEqual([
      expect.stringMatching(new RegExp(`FAILED \\(${code}\\), next attempt \\d\\d:\\d\\d IST`)),
      "kite-token: DM1234 token refreshed, recovered after 2 failed attempts",
    ]);
    const failure = smtp.mails[0]?.parsed.text ?? "";
    expect(failure).toMatch(/Failed step:\s+exchange/);
    expect(failure).toMatch(/Attempts today:\s+1\n/);
    expect(smtp.mails[0]?.parsed.attachments).toEqual([]);
    expectNoSecrets(smtp.mails, [savedAccessToken(dir)]);
  });

  it("sends a success notice with ALERT_ON_SUCCESS, and nothing for a valid token left alone", async () => {
    const { app } = workerApp(sim, { ...mailSettings(smtp.url), ALERT_ON_SUCCESS: "true" });
    const first = await startTestWorker(app);
    await waitFor(() => smtp.mails.length === 1 && !first.worker.busy, "the success notice");
    await first.stop();
    const second = await startTestWorker(app);
    await waitFor(() => !second.worker.busy, "the second run");
    await second.stop();
    await app.close();
    expect(subjects()).toEqual([
      expect.stringMatching(/^kite-token: token for DM1234 refreshed at /),
    ]);
    expect((await app.state.read()).runs.map((r) => r.outcome)).toEqual(["refreshed", "skipped"]);
  });

  it("an SMTP server that is down changes neither the refresh's outcome nor the state file", async () => {
    const down = `smtp://alerts%40example.com:pw@127.0.0.1:${await closedPort()}`;
    const ok = workerApp(sim, { ...mailSettings(down), ALERT_ON_SUCCESS: "true" });
    const a = await startTestWorker(ok.app);
    await waitFor(() => !a.worker.busy, "the refresh");
    await a.stop();
    await ok.app.close();
    expect((await ok.app.state.read()).runs).toEqual([
      expect.objectContaining({ trigger: "startup", outcome: "refreshed" }),
    ]);
    expect(savedAccessToken(ok.dir)).toEqual(expect.any(String));

    sim.resetCounters();
    const bad = workerApp(sim, { ...mailSettings(down), KITE_PASSWORD: "wrong-password" });
    const b = await startTestWorker(bad.app);
    await waitFor(() => !b.worker.busy, "the failed refresh");
    await b.stop();
    await bad.app.close();
    expect(sim.counters.loginAttempts).toBe(1);
    expect((await bad.app.state.read()).runs).toEqual([
      expect.objectContaining({ outcome: "failed", error_code: "BAD_CREDENTIALS" }),
    ]);
    expect(savedAccessToken(bad.dir)).toBeUndefined();
  });

  it("`kite-token refresh` reports its failure through the same alerts, saying nothing retries it", async () => {
    const dir = tempDir();
    const env = simEnv(sim, dir, { ...mailSettings(smtp.url), KITE_PASSWORD: "wrong-password" });
    const result = await runCli(["refresh"], env, dir, 120_000);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("BAD_CREDENTIALS");
    expect(subjects()).toEqual([expect.stringMatching(/FAILED \(BAD_CREDENTIALS\)/)]);
    const text = smtp.mails[0]?.parsed.text ?? "";
    expect(text).toMatch(/Next attempt:\s+none automatic: this run was started by hand/);
    expectNoSecrets(smtp.mails, ["wrong-password"]);
  });
});
