import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { mailSettings, simulatorAndMailForFile, type smtpSink } from "../helpers/alert-servers.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";
import { until } from "../helpers/worker-process.js";

/**
 * A forced refresh that fails while the saved token has not expired: its alert says the
 * bot's token still works, in the subject and the mail; a failure with no valid token does not.
 */
let sim: Simulator;
let smtp: Awaited<ReturnType<typeof smtpSink>>;
simulatorAndMailForFile((s, m) => {
  sim = s;
  smtp = m;
});

describe("the failure alert of a forced refresh", { timeout: 120_000 }, () => {
  it("says the saved token is still valid, and when it expires", async () => {
    const dir = tempDir("kt-forced-");
    const env = {
      ...simulatorSettings(sim),
      TOKEN_FILE: path.join(dir, "data", "token.json"),
      LOGIN_STRATEGY: "http",
      ALERT_DEADLINE: "off",
      ...mailSettings(smtp.url),
    };
    expect((await runCli(["refresh"], env, dir)).code).toBe(0);
    const forced = await runCli(
      ["refresh", "--force"],
      { ...env, KITE_PASSWORD: "not-the-password" },
      dir,
    );
    expect(forced.code).toBe(1);
    expect(await until(() => smtp.mails.length === 1, 10_000)).toBe(true);
    const mail = smtp.mails[0]!.parsed;
    expect(mail.subject).toMatch(/FAILED \(BAD_CREDENTIALS\), .*; the saved token is still valid$/);
    expect(mail.text).toMatch(
      /^Saved token:\s+still valid: saved \d{4}-\d\d-\d\d \d\d:\d\d IST, expires \d{4}-\d\d-\d\d 06:00 IST$/m,
    );
    expect(mail.text).toMatch(/has not expired: a bot that uses it keeps working until /);

    // With no token saved, a failure says nothing of one.
    const bare = tempDir("kt-forced-");
    const none = await runCli(
      ["refresh"],
      { ...env, TOKEN_FILE: path.join(bare, "data", "token.json"), KITE_PASSWORD: "wrong" },
      bare,
    );
    expect(none.code).toBe(1);
    expect(await until(() => smtp.mails.length === 2, 10_000)).toBe(true);
    const second = smtp.mails[1]!.parsed;
    expect(second.subject).not.toContain("still valid");
    expect(second.text).not.toContain("Saved token");
  });
});
