import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import {
  startSimulator,
  simulatorSettings,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { closedPort, smtpSink } from "../helpers/alert-servers.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { startRedis, type TestRedis } from "../helpers/redis.js";
import { tempDir } from "../helpers/setup.js";

const SMTP_PASS = "smtp-pass-Secret9";

interface Check {
  id: string;
  title: string;
  status: "pass" | "fail" | "skip";
  detail: string;
  fix?: string;
}

describe("kite-token doctor", () => {
  let sim: Simulator;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let redis: TestRedis;
  before(async () => {
    sim = await startSimulator();
    smtp = await smtpSink({ user: "alerts@example.com", pass: SMTP_PASS });
    redis = await startRedis();
  });
  after(async () => {
    await sim.close();
    await smtp.close();
    await redis.stop();
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => {
    const dir = tempDir("kt-doctor-");
    const dotenv = path.join(dir, "bot.env");
    writeFileSync(dotenv, "OTHER=1\n");
    return {
      ...simulatorSettings(sim),
      TOKEN_FILE: path.join(dir, "token.json"),
      TOKEN_STORES: `file:${path.join(dir, "token.json")},dotenv:${dotenv},${redis.url}`,
      SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: "trader@example.com",
      LOGIN_STEP_TIMEOUT_MS: "8000",
      ...extra,
    };
  };
  const secrets = (): string[] => [
    sim.account.password,
    sim.account.totpSecret,
    sim.app.apiSecret,
    SMTP_PASS,
  ];
  const noSecrets = (result: CliResult): void => {
    for (const secret of secrets()) expect(result.stdout + result.stderr).not.toContain(secret);
  };
  const doctor = async (extra: Record<string, string> = {}): Promise<Check[]> => {
    const result = await runCli(["doctor", "--json"], env(extra), tempDir(), 180_000);
    noSecrets(result);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    expect(result.code).toBe(report.ok ? 0 : 1);
    return report.checks;
  };
  const byTitle = (checks: Check[], title: string): Check => {
    const check = checks.find((c) => c.title === title);
    if (!check)
      throw new Error(`no check titled ${title}: ${checks.map((c) => c.title).join(", ")}`);
    return check;
  };
  const failed = (checks: Check[]): string[] =>
    checks.filter((c) => c.status === "fail").map((c) => c.title);

  it("passes every check against the simulator, without logging in or sending mail", async () => {
    sim.setScenario({ pageChanged: false });
    sim.resetCounters();
    const mails = smtp.mails.length;
    const result = await runCli(["doctor"], env(), tempDir(), 180_000);
    noSecrets(result);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (const title of [
      "configuration",
      "TOTP secret",
      "clock skew",
      "Kite API",
      "Chromium",
      "login page",
      "alert email",
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^ {2}ok {4}${title}`, "m"));
    }
    expect(result.stdout.match(/^ {2}ok {4}store /gm)).toHaveLength(3);
    expect(result.stdout).toMatch(/current code \*{5}\d /);
    // Which browser, and where it came from.
    expect(result.stdout).toMatch(
      /^ {2}ok {4}Chromium .* at \/\S+ \((system headless shell|system Chromium|from BROWSER_PATH)\) launches$/m,
    );
    expect(result.stdout).toContain("nothing typed or submitted");
    expect(result.stdout).toMatch(/Kite API {8}http:\/\/127\.0\.0\.1:\d+ answers like Kite's API/);
    expect(result.stdout).toMatch(/All 10 checks passed\./);
    // A dry run: the page was loaded, nothing was submitted, no mail was sent.
    expect(sim.counters.loginPageLoads).toBe(1);
    expect(sim.counters.loginAttempts).toBe(0);
    expect(sim.counters.twofaAttempts).toBe(0);
    expect(smtp.mails).toHaveLength(mails);
  });

  it("names the TOTP secret that does not decode, and still runs the other checks", async () => {
    const checks = await doctor({ KITE_TOTP_SECRET: "not-a-base32-secret-1890" });
    expect(failed(checks)).toEqual(["TOTP secret"]);
    const totp = byTitle(checks, "TOTP secret");
    expect(totp.detail).toContain("KITE_TOTP_SECRET is not base32");
    expect(totp.fix).toContain("External TOTP");
    expect(byTitle(checks, "configuration").status).toBe("pass");
    expect(byTitle(checks, "login page").status).toBe("pass");
    const out = JSON.stringify(checks);
    expect(out).not.toContain("not-a-base32-secret-1890");
  });

  it("names a missing Chromium (BROWSER_PATH to a missing file, and none on an empty PATH)", async () => {
    const dir = tempDir("kt-doctor-nochrome-");
    const missing = await doctor({ BROWSER_PATH: path.join(dir, "chromium") });
    expect(failed(missing)).toEqual(["Chromium"]);
    const chromium = byTitle(missing, "Chromium");
    expect(chromium.detail).toContain("is not an executable file");
    expect(chromium.fix).toContain("BROWSER_PATH");
    expect(byTitle(missing, "login page")).toMatchObject({
      status: "skip",
      detail: "needs Chromium",
    });
  });

  it("names the bundled Chromium when the system has none", async () => {
    // No BROWSER_PATH and an empty PATH: no system Chromium, and Playwright has none of its own.
    const dir = tempDir("kt-doctor-bundled-");
    const bare = { ...env(), PATH: "", PLAYWRIGHT_BROWSERS_PATH: dir, TMPDIR: dir };
    delete (bare as Record<string, string | undefined>)["BROWSER_PATH"];
    const result = await runCli(["doctor", "--json"], bare, tempDir(), 180_000);
    noSecrets(result);
    const checks = (JSON.parse(result.stdout) as { checks: Check[] }).checks;
    expect(failed(checks)).toEqual([]);
    expect(byTitle(checks, "Chromium").detail).toMatch(
      new RegExp(
        `at ${dir}/kite-token-\\d+/chromium-[\\d.]+/chromium \\(bundled: @sparticuz/chromium from npm\\) launches$`,
      ),
    );
    expect(result.code).toBe(0);
  });

  it("counts a skipped check as skipped in its summary", async () => {
    const dir = tempDir("kt-doctor-skip-");
    const result = await runCli(
      ["doctor"],
      env({ BROWSER_PATH: path.join(dir, "chromium") }),
      tempDir(),
      180_000,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ {2}skip {2}login page {6}needs Chromium$/m);
    expect(result.stdout.trim().split("\n").at(-1)).toBe(
      "1 of 10 checks failed (8 passed, 1 skipped).",
    );
  });

  it("checks that KITE_API_ROOT answers like Kite's API, and names one that does not or cannot be reached", async () => {
    const notKite = await doctor({ KITE_API_ROOT: sim.loginOrigin });
    expect(failed(notKite)).toEqual(["Kite API"]);
    expect(byTitle(notKite, "Kite API").detail).toMatch(
      /does not answer like Kite's API: GET \/user\/profile without a token gave HTTP \d+ .*not 403 TokenException/,
    );
    expect(byTitle(notKite, "Kite API").fix).toContain("KITE_API_ROOT");
    const port = await closedPort();
    const down = await doctor({ KITE_API_ROOT: `http://127.0.0.1:${port}` });
    expect(failed(down)).toEqual(["Kite API"]);
    expect(byTitle(down, "Kite API").detail).toBe(
      `KITE_API_ROOT http://127.0.0.1:${port} could not be reached (ECONNREFUSED)`,
    );
  });

  it("names an SMTP server that cannot be reached", async () => {
    const port = await closedPort();
    const checks = await doctor({
      SMTP_URL: `smtp://alerts%40example.com:${SMTP_PASS}@127.0.0.1:${port}`,
    });
    expect(failed(checks)).toEqual(["alert email"]);
    expect(byTitle(checks, "alert email").fix).toContain("SMTP_URL");
  });

  it("names a store it cannot write to", async () => {
    const dir = tempDir("kt-doctor-ro-");
    chmodSync(dir, 0o500);
    const checks = await doctor({
      TOKEN_STORES: `file:${path.join(dir, "token.json")},dotenv:${path.join(dir, "missing.env")}`,
    });
    chmodSync(dir, 0o700);
    const stores = checks.filter((c) => c.id === "stores");
    expect(stores.map((c) => c.status)).toEqual(
      process.getuid?.() === 0 ? ["pass", "fail"] : ["fail", "fail"],
    );
    expect(stores[1]?.detail).toContain("does not exist");
    expect(stores[1]?.fix).toContain("touch");
  });

  it("names the selector a changed login page broke, and passes again with a SELECTORS_FILE", async () => {
    sim.setScenario({ pageChanged: true });
    sim.resetCounters();
    try {
      const checks = await doctor();
      expect(failed(checks)).toEqual(["login page"]);
      const page = byTitle(checks, "login page");
      expect(page.detail).toMatch(/^selector "userId" \(.*\) found no user id field/);
      expect(page.fix).toContain("SELECTORS_FILE");

      const file = path.join(tempDir("kt-doctor-sel-"), "selectors.json");
      writeFileSync(file, JSON.stringify({ userId: ["input#client-code:visible"] }));
      const fixed = await doctor({ SELECTORS_FILE: file });
      expect(failed(fixed)).toEqual([]);
      expect(sim.counters.loginAttempts).toBe(0);
    } finally {
      sim.setScenario({ pageChanged: false });
    }
  });

  it("exits 2 for bad usage", async () => {
    const result = await runCli(["doctor", "--no-such-flag"], env(), tempDir());
    expect(result.code).toBe(2);
  });
});
