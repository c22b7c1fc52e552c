import { describe, it } from "node:test";
import { expect } from "expect";
import {
  deadlineMessage,
  deliveryMessage,
  failureMessage,
  recoveredMessage,
  successMessage,
} from "../../src/runner/alerts/message.js";
import { KiteTokenError } from "../../src/core/errors.js";

const at = new Date("2026-11-24T03:00:00Z"); // 08:30 IST
const loginUrl = "https://kite.zerodha.com/connect/login?v=3&api_key=key1";
const report = (account?: string) => ({
  userId: "ZX1001",
  ...(account ? { account } : {}),
  step: "login" as const,
  error: new KiteTokenError("BAD_CREDENTIALS", "Kite rejected the user id or password."),
  attempts: 1,
  loginUrl,
  at,
});

describe("alert messages for one account of many", () => {
  it("a failure names the account id and user id in the subject, first line and fields", () => {
    const mail = failureMessage(report("acct-1"), at);
    expect(mail.subject).toBe(
      "kite-token: acct-1 (ZX1001) token refresh FAILED (BAD_CREDENTIALS), no more attempts today",
    );
    expect(mail.text.split("\n")[0]).toBe(
      "kite-token could not refresh the Kite access token for acct-1 (ZX1001).",
    );
    expect(mail.text).toMatch(/^Account:\s+acct-1 \(ZX1001\)$/m);
  });

  it("the manual fallback gives the account's login URL and commands with --account", () => {
    const mail = failureMessage(report("acct-1"), at);
    expect(mail.text).toContain(`To get today's token for acct-1 by hand`);
    expect(mail.text).toContain(loginUrl);
    expect(mail.text).toContain("npx kite-token exchange --account acct-1 '<callback URL>'");
    expect(mail.html).toContain(
      "<code>npx kite-token exchange --account acct-1 &#39;&lt;callback URL&gt;&#39;</code>",
    );
  });

  it("the single account's failure is worded as before, without an id or --account", () => {
    const mail = failureMessage(report(), at);
    expect(mail.subject).toBe(
      "kite-token: ZX1001 token refresh FAILED (BAD_CREDENTIALS), no more attempts today",
    );
    expect(mail.text).toMatch(/^Account:\s+ZX1001$/m);
    expect(mail.text).toContain("npx kite-token exchange '<callback URL>'");
    expect(mail.text).toContain("run `npm run refresh`");
    expect(mail.text).not.toContain("--account");
  });

  it("recovery, success, delivery and deadline messages name the account too", () => {
    const expiresAt = new Date("2026-11-25T00:30:00Z");
    const recovered = recoveredMessage({
      userId: "ZX1001",
      account: "acct-1",
      expiresAt,
      at,
      failures: 1,
      firstFailureAt: at,
      codes: ["KITE_UNAVAILABLE"],
    });
    expect(recovered.subject).toBe(
      "kite-token: acct-1 (ZX1001) token refreshed, recovered after 1 failed attempt",
    );
    expect(successMessage("ZX1001", expiresAt, at, "acct-1").subject).toMatch(
      /^kite-token: token for acct-1 \(ZX1001\) refreshed at 08:30 IST/,
    );
    expect(successMessage("ZX1001", expiresAt, at).subject).toMatch(
      /^kite-token: token for ZX1001 refreshed at 08:30 IST/,
    );
    const stores = [{ name: "dotenv:/bot/.env", attempts: 3, error_code: "STORE_FAILED" }];
    expect(
      deliveryMessage({ userId: "ZX1001", account: "acct-1", expiresAt, at, stores }).subject,
    ).toBe("kite-token: acct-1 (ZX1001) token saved, NOT delivered to dotenv:/bot/.env");
    const deadline = deadlineMessage({
      userId: "ZX1001",
      account: "acct-1",
      deadline: new Date("2026-11-24T03:30:00Z"),
      status: { state: "missing" } as Parameters<typeof deadlineMessage>[0]["status"],
      loginUrl,
    });
    expect(deadline.subject).toBe(
      "kite-token: acct-1 (ZX1001) has NO valid Kite token at 09:00 IST",
    );
    expect(deadline.text).toContain("npx kite-token exchange --account acct-1");
    const single = deadlineMessage({
      userId: "ZX1001",
      deadline: new Date("2026-11-24T03:30:00Z"),
      status: { state: "missing" } as Parameters<typeof deadlineMessage>[0]["status"],
      loginUrl,
    });
    expect(single.subject).toBe("kite-token: ZX1001 has NO valid Kite token at 09:00 IST");
  });
});
