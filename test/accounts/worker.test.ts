import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { expect } from "expect";
import { createApp, type App } from "../../src/runner/app.js";
import { loadConfig } from "../../src/config/load.js";
import { defaultScenario, type Simulator } from "../../src/adapters/simulator/index.js";
import { formatIst } from "../../src/core/time.js";
import { startWorkerService, type WorkerService } from "../../src/worker/service.js";
import { smtpSink } from "../helpers/alert-servers.js";
import { CLI, runCli } from "../helpers/cli.js";
import { chromiumBrowsersUnder, descendantsOf, isRunning } from "../helpers/processes.js";
import { fastAppClock, freshTokenState, tempDir } from "../helpers/setup.js";
import { NEVER, waitFor } from "../helpers/worker-app.js";
import { exited, until } from "../helpers/worker-process.js";
import { LoginGauge, accountsEnv, idOf, startAccounts, writeAccountsFile } from "./helpers.js";

const gauge = new LoginGauge();
let sims: Simulator[] = [];
let smtp: Awaited<ReturnType<typeof smtpSink>>;
before(async () => {
  sims = await startAccounts(4, gauge);
  smtp = await smtpSink();
});
after(async () => {
  await smtp.close();
  await Promise.all(sims.map((s) => s.close()));
});
beforeEach(() => {
  for (const sim of sims) {
    sim.setScenario(defaultScenario());
    sim.resetCounters();
  }
  smtp.mails.length = 0;
  gauge.active = 0;
  gauge.peak = 0;
});

/** The variables `kite-token worker` would read, for these simulators, files in `dir`. */
function workerEnv(some: Simulator[], dir: string, extra: Record<string, string> = {}) {
  return {
    ...accountsEnv(some),
    ACCOUNTS_FILE: writeAccountsFile(dir, some),
    TOKEN_FILE: path.join(dir, "token.json"),
    SCHEDULE: NEVER,
    RETRY_DEADLINE: "23:59",
    RETRY_MAX: "5",
    ALERT_DEADLINE: "off",
    SMTP_URL: smtp.url,
    ALERT_EMAIL_TO: "trader@example.com",
    ALERT_EMAIL_FROM: "alerts@example.com",
    ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
    ...extra,
  };
}

/** The accounts worker in this process, every wait shortened. */
async function startService(
  some: Simulator[],
  extra: Record<string, string> = {},
  consolePort?: number,
): Promise<{ service: WorkerService; app: App; dir: string; env: Record<string, string> }> {
  const dir = tempDir("kt-accounts-worker-");
  const env = workerEnv(some, dir, extra);
  const config = loadConfig({
    env: { ...env, ...(consolePort === undefined ? {} : { PORT: String(consolePort) }) },
    cwd: dir,
  });
  const app = createApp(config, { logLevel: "silent", clock: fastAppClock() });
  const service = await startWorkerService(app);
  return { service, app, dir, env };
}

async function stopService(run: { service: WorkerService; app: App }): Promise<void> {
  await run.service.stop();
  await run.app.close();
}

const tokenOf = (dir: string, i: number) => path.join(dir, idOf(i), "token.json");
const savedToken = (dir: string, i: number): Record<string, string> | undefined =>
  existsSync(tokenOf(dir, i))
    ? (JSON.parse(readFileSync(tokenOf(dir, i), "utf8")) as Record<string, string>)
    : undefined;
const outcomes = async (service: WorkerService, i: number) =>
  (await service.accounts[i]!.account.app.state.read()).runs.map((r) => r.error_code ?? r.outcome);
const subjects = () => smtp.mails.map((m) => m.parsed.subject ?? "");
const settle = () => new Promise((r) => setTimeout(r, 300)); // a late mail would show by now

describe("the worker over many accounts", { timeout: 600_000 }, () => {
  it("a wrong password fails one account, once, with one mail naming it; the others get valid tokens", async () => {
    const three = sims.slice(0, 3);
    const run = await startService(three, { KITE_PASSWORD_ACCT_1: "not-the-password" });
    try {
      await waitFor(() => !run.service.busy && smtp.mails.length >= 1, "every account's run");
      await settle();
    } finally {
      await stopService(run);
    }
    for (const i of [0, 2]) {
      expect(three[i]!.counters.loginAttempts).toBe(1);
      const saved = savedToken(run.dir, i);
      expect(saved?.["user_id"]).toBe(three[i]!.account.userId);
      expect(three[i]!.isAccessTokenValid(saved?.["access_token"] ?? "")).toBe(true);
    }
    expect(three[1]!.counters.loginAttempts).toBe(1); // never retried
    expect(savedToken(run.dir, 1)).toBeUndefined();
    expect(await outcomes(run.service, 1)).toEqual(["BAD_CREDENTIALS"]);

    expect(subjects()).toEqual([
      `kite-token: acct-1 (ZX1001) token refresh FAILED (BAD_CREDENTIALS), no more attempts today`,
    ]);
    const text = smtp.mails[0]?.parsed.text ?? "";
    expect(text.split("\n")[0]).toBe(
      "kite-token could not refresh the Kite access token for acct-1 (ZX1001).",
    );
    expect(text).toContain(`${three[1]!.loginUrl}?v=3&api_key=${three[1]!.app.apiKey}`);
    expect(text).toContain("npx kite-token exchange --account acct-1 '<callback URL>'");
    for (const other of ["acct-0", "acct-2", "ZX1000", "ZX1002"]) expect(text).not.toContain(other);
    for (const sim of three)
      for (const secret of [sim.account.password, sim.account.totpSecret, sim.app.apiSecret])
        expect(smtp.mails[0]?.raw).not.toContain(secret);

    // `kite-token health`: one line per account, unhealthy while one has no token.
    const health = await runCli(["health"], run.env, run.dir);
    expect(health.stdout).toMatch(/^\[acct-0\] healthy: token for ZX1000 valid until /m);
    expect(health.stdout).toMatch(/^\[acct-1\] unhealthy: no token saved at .*BAD_CREDENTIALS/m);
    expect(health.stdout).toMatch(/^\[acct-2\] healthy: token for ZX1002 valid until /m);
    expect(health.code).toBe(1);
  });

  it("the manual fallback's commands take --account: login-url per account, exchange refused without one", async () => {
    const two = sims.slice(0, 2);
    const dir = tempDir("kt-accounts-manual-");
    const env = workerEnv(two, dir);
    const all = await runCli(["login-url"], env, dir);
    expect(all.stdout.trim().split("\n")).toEqual([
      `[acct-0] ${two[0]!.loginUrl}?v=3&api_key=${two[0]!.app.apiKey}`,
      `[acct-1] ${two[1]!.loginUrl}?v=3&api_key=${two[1]!.app.apiKey}`,
    ]);
    const one = await runCli(["login-url", "--account", "acct-1"], env, dir);
    expect(one.stdout.trim()).toBe(`${two[1]!.loginUrl}?v=3&api_key=${two[1]!.app.apiKey}`);
    const unnamed = await runCli(["exchange", "AbCdEf0123456789AbCdEf0123456789"], env, dir);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain("add --account <id> (acct-0, acct-1)");
    const unknown = await runCli(
      ["exchange", "--account", "acct-9", "AbCdEf0123456789AbCdEf0123456789"],
      env,
      dir,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No account acct-9");
  });

  it("never runs more logins at once than CONCURRENCY across the accounts", async () => {
    const run = await startService(sims, { CONCURRENCY: "2", ALERT_CHANNELS: "none" });
    // Every account's login runs in the one login host: one Chromium, a context per login.
    let browserPeak = 0;
    const sampler = setInterval(() => {
      const host = run.app.browserHost.pid;
      if (host !== undefined) browserPeak = Math.max(browserPeak, chromiumBrowsersUnder(host));
    }, 25);
    try {
      await waitFor(() => !run.service.busy, "every account's run");
    } finally {
      clearInterval(sampler);
      await stopService(run);
    }
    // One login host for every account. Its Chromium closes whenever no login is in flight,
    // so a wave of logins starting as the last one ends may briefly see a second one.
    expect(browserPeak).toBeGreaterThanOrEqual(1);
    expect(browserPeak).toBeLessThanOrEqual(2);
    sims.forEach((sim, i) => {
      expect(sim.counters.loginAttempts).toBe(1);
      expect(sim.isAccessTokenValid(savedToken(run.dir, i)?.["access_token"] ?? "")).toBe(true);
    });
    // Logins in flight at Kite (password accepted, request token not yet issued).
    expect(gauge.peak).toBeGreaterThanOrEqual(1);
    expect(gauge.peak).toBeLessThanOrEqual(2);
  });

  it("retries a transient failure for that account only; a second run the same morning logs in nowhere", async () => {
    const three = sims.slice(0, 3);
    // The exchange is tried three times per login: six 503s fail acct-1's first two attempts.
    three[1]!.setScenario({
      exchangeFailures: Array.from({ length: 6 }, () => ({ status: 503 })),
    });
    const run = await startService(three);
    try {
      await waitFor(() => !run.service.busy && smtp.mails.length >= 2, "the retries");
      await settle();
      expect(await outcomes(run.service, 0)).toEqual(["refreshed"]);
      expect(await outcomes(run.service, 1)).toEqual([
        "KITE_UNAVAILABLE",
        "KITE_UNAVAILABLE",
        "refreshed",
      ]);
      expect(await outcomes(run.service, 2)).toEqual(["refreshed"]);
      expect(three.map((s) => s.counters.loginAttempts)).toEqual([1, 3, 1]);
      expect(subjects()).toEqual([
        expect.stringMatching(
          /^kite-token: acct-1 \(ZX1001\) token refresh FAILED \(KITE_UNAVAILABLE\), next attempt/,
        ),
        "kite-token: acct-1 (ZX1001) token refreshed, recovered after 2 failed attempts",
      ]);

      // The next scheduled run of the same morning: every token is valid, nobody logs in.
      await run.service.trigger("schedule");
      for (const i of [0, 1, 2]) expect((await outcomes(run.service, i)).at(-1)).toBe("skipped");
      expect(three.map((s) => s.counters.loginAttempts)).toEqual([1, 3, 1]);
      expect(smtp.mails).toHaveLength(2);
    } finally {
      await stopService(run);
    }
    const health = await runCli(["health"], run.env, run.dir);
    expect(health.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^\[acct-0\] healthy: /),
      expect.stringMatching(/^\[acct-1\] healthy: /),
      expect.stringMatching(/^\[acct-2\] healthy: /),
    ]);
    expect(health.code).toBe(0);
  });

  it("with SERVER_ENABLED=true, hosts the console over every account: the worker's runs, a console refresh of one account", async () => {
    const two = sims.slice(0, 2);
    const admin = "an-admin-token-of-the-console-0123";
    const run = await startService(two, { SERVER_ENABLED: "true", ADMIN_TOKEN: admin }, 0);
    try {
      await waitFor(() => !run.service.busy, "the startup runs");
      const base = run.service.console?.url;
      expect(base).toBeDefined();
      const list = (await (await fetch(`${base}/api/accounts`)).json()) as {
        accounts: Array<Record<string, unknown>>;
      };
      expect(list.accounts.map((a) => [a["id"], a["state"]])).toEqual([
        [idOf(0), freshTokenState()],
        [idOf(1), freshTokenState()],
      ]);
      for (const a of list.accounts) {
        expect(a["last_run"]).toMatchObject({ source: "history", outcome: "refreshed" });
        expect(a["next_run"]).toEqual(formatIst(run.service.schedule.next()));
      }
      // A console refresh of acct-1 goes through acct-1's pipeline (its lock, its app) only.
      const started = await fetch(`${base}/api/accounts/${idOf(1)}/token/refresh`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ force: true }),
      });
      expect(started.status).toBe(202);
      const { run_id: runId } = (await started.json()) as { run_id: string };
      await waitFor(async () => {
        const res = await fetch(`${base}/api/accounts/${idOf(1)}/runs/${runId}`);
        return ((await res.json()) as { outcome: string }).outcome !== "running";
      }, "the console's run");
      const done = (await (
        await fetch(`${base}/api/accounts/${idOf(1)}/runs/${runId}`)
      ).json()) as Record<string, unknown>;
      expect(done["outcome"]).toBe("refreshed");
      expect(two.map((s) => s.counters.loginAttempts)).toEqual([1, 2]);
      expect(JSON.stringify(list)).not.toContain(savedToken(run.dir, 0)?.["access_token"]);
    } finally {
      await stopService(run);
    }
  });

  it("`kite-token worker`: the start log lists the accounts without a secret; SIGTERM mid-run stops every account within 10 s", async () => {
    const three = sims.slice(0, 3);
    for (const sim of three) sim.setScenario({ noRedirect: true });
    const dir = tempDir("kt-accounts-cli-");
    const env = workerEnv(three, dir, {
      CONCURRENCY: "2",
      REDIRECT_TIMEOUT_MS: "60000",
      ALERT_CHANNELS: "none",
      LOG_LEVEL: "info",
    });
    const child = spawn(process.execPath, [CLI, "worker"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr?.on("data", (c: Buffer) => (log += c.toString()));
    try {
      // Two logins waiting for a redirect that never comes; the third waits for a slot.
      const twoInFlight = () => three.filter((s) => s.counters.twofaAttempts > 0).length === 2;
      expect(await until(twoInFlight, 90_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      expect(three.filter((s) => s.counters.loginAttempts > 0)).toHaveLength(2);
      const browsers = descendantsOf(child.pid ?? 0);
      expect(browsers.length).toBeGreaterThan(0);

      const stopping = Date.now();
      child.kill("SIGTERM");
      const code = await exited(child);
      expect(Date.now() - stopping).toBeLessThan(10_000);
      expect(code).toBe(0);
      expect(await until(() => browsers.every((pid) => !isRunning(pid)), 2000)).toBe(true);
      for (const i of [0, 1, 2])
        expect(existsSync(path.join(dir, idOf(i), "refresh.lock"))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }

    const started = log.split("\n").find((l) => l.includes('"worker started"')) ?? "";
    const fields = JSON.parse(started) as { accounts: Array<Record<string, string>> };
    expect(fields.accounts.map((a) => [a["id"], a["user_id"]])).toEqual([
      ["acct-0", "ZX1000"],
      ["acct-1", "ZX1001"],
      ["acct-2", "ZX1002"],
    ]);
    for (const sim of three)
      for (const secret of [sim.account.password, sim.account.totpSecret, sim.app.apiSecret])
        expect(log).not.toContain(secret);
    expect(log).toContain('"worker stopped"');
  });
});
