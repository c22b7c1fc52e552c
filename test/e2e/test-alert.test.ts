import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { closedPort, httpSink, smtpSink } from "../helpers/alert-servers.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";

const SECRETS = {
  KITE_API_KEY: "kiteapikey01",
  KITE_API_SECRET: "apisecret-very-private",
  KITE_USER_ID: "AB1234",
  KITE_PASSWORD: "hunter2-password",
  KITE_TOTP_SECRET: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
};
const SMTP_PASS = "smtp-pass-Secret9";

describe("kite-token test-alert", () => {
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let hook: Awaited<ReturnType<typeof httpSink>>;
  let hookStatus = 200;
  before(async () => {
    smtp = await smtpSink({ user: "alerts@example.com", pass: SMTP_PASS });
    hook = await httpSink(() => ({ status: hookStatus, body: hookStatus === 200 ? "ok" : "down" }));
  });
  after(async () => {
    await smtp.close();
    await hook.close();
  });

  const env = (): Record<string, string> => {
    const dir = tempDir("kt-test-alert-");
    return {
      ...SECRETS,
      TOKEN_FILE: path.join(dir, "token.json"),
      SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: "trader@example.com",
      ALERT_WEBHOOK_URL: `${hook.url}/hooks/secretpath123`,
    };
  };
  const noSecrets = (text: string): void => {
    for (const secret of [...Object.values(SECRETS).slice(1), SMTP_PASS, "secretpath123"]) {
      expect(text).not.toContain(secret);
    }
  };

  it("sends a test message through every channel and prints each result", async () => {
    hookStatus = 200;
    const mails = smtp.mails.length;
    const hits = hook.requests.length;
    const result = await runCli(["test-alert"], env(), tempDir());
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /ok {4}email {5}trader@example\.com via smtp:\/\/127\.0\.0\.1:\d+: accepted/,
    );
    expect(result.stdout).toMatch(/ok {4}webhook {3}POST to 127\.0\.0\.1:\d+: HTTP 200/);
    expect(smtp.mails).toHaveLength(mails + 1);
    expect(smtp.mails.at(-1)?.parsed.subject).toBe("kite-token: test alert");
    expect(hook.requests).toHaveLength(hits + 1);
    noSecrets(result.stdout + result.stderr);
  });

  it("--verify checks the channels without sending anything", async () => {
    const mails = smtp.mails.length;
    const hits = hook.requests.length;
    const result = await runCli(["test-alert", "--verify"], env(), tempDir());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("SMTP connection and login to 127.0.0.1");
    expect(result.stdout).toContain("not contacted");
    expect(smtp.mails).toHaveLength(mails);
    expect(hook.requests).toHaveLength(hits);
    noSecrets(result.stdout + result.stderr);
  });

  it("exits 1 when a channel fails, after the others were tried", async () => {
    hookStatus = 503;
    const mails = smtp.mails.length;
    const result = await runCli(["test-alert", "--json"], env(), tempDir());
    hookStatus = 200;
    expect(result.code).toBe(1);
    const results = JSON.parse(result.stdout) as Array<{
      channel: string;
      ok: boolean;
      detail: string;
    }>;
    expect(results.map((r) => [r.channel, r.ok])).toEqual([
      ["email", true],
      ["webhook", false],
    ]);
    expect(results[1]?.detail).toContain("HTTP 503");
    expect(smtp.mails).toHaveLength(mails + 1);
    noSecrets(result.stdout + result.stderr);
  });

  it("an SMTP relay without a login that is down: its address shown, the failure and its tries said", async () => {
    const port = await closedPort();
    const result = await runCli(
      ["test-alert"],
      {
        ...SECRETS,
        TOKEN_FILE: path.join(tempDir(), "token.json"),
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        ALERT_EMAIL_TO: "trader@example.com",
        ALERT_EMAIL_FROM: "alerts@example.com",
      },
      tempDir(),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `  FAIL  email     trader@example.com via smtp://127.0.0.1:${port}: The SMTP server failed while sending the alert (ESOCKET): connect ECONNREFUSED 127.0.0.1:${port} (3 tries)`,
    );
    expect(result.stdout).not.toContain("[redacted]");
    noSecrets(result.stdout + result.stderr);
  });

  it("exits 2 with a clear message when no channel is configured", async () => {
    const result = await runCli(["test-alert"], { ...SECRETS }, tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("No alert channel is configured");
  });
});
