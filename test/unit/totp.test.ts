import { afterEach, describe, it, mock } from "node:test";
import { expect } from "expect";
import {
  freshTotpCode,
  msLeftInWindow,
  totpCode,
  totpSecretProblem,
  type TotpClock,
} from "../../src/adapters/login/totp.js";
import { sleep } from "../../src/core/time.js";

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const fakeClock: TotpClock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

describe("TOTP", () => {
  afterEach(() => {
    mock.timers.reset();
  });
  const fakeTimersAt = (ms: number): void =>
    mock.timers.enable({ apis: ["setTimeout", "Date"], now: ms });
  /** Moves the fake clock forward, letting the awaiting code run between steps. */
  async function advance(ms: number): Promise<void> {
    for (let done = 0; done < ms; done += 100) {
      mock.timers.tick(Math.min(100, ms - done));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  it("matches the RFC 6238 algorithm (SHA-1, 30 s, 6 digits)", async () => {
    // RFC 6238 appendix B: secret "12345678901234567890", T=59 s → 94287082 (8 digits): 6 digits → 287082.
    const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    expect(await totpCode(rfcSecret, 59_000)).toBe("287082");
    expect(await totpCode(rfcSecret, 1_111_111_109_000)).toBe("081804");
  });

  it("uses the current window when enough time is left", async () => {
    fakeTimersAt(Date.UTC(2026, 10, 24, 3, 0, 10)); // 20 s left
    const { code, window } = await freshTotpCode(SECRET, fakeClock);
    expect(window).toBe(Date.now());
    expect(code).toBe(await totpCode(SECRET, Date.now()));
  });

  it("waits for the next window when fewer than 5 seconds remain", async () => {
    const start = Date.UTC(2026, 10, 24, 3, 0, 27); // 3 s left
    fakeTimersAt(start);
    expect(msLeftInWindow(start)).toBe(3000);
    const pending = freshTotpCode(SECRET, fakeClock);
    await advance(3100);
    const { code, window } = await pending;
    expect(window).toBeGreaterThanOrEqual(start + 3000);
    expect(code).toBe(await totpCode(SECRET, start + 3000));
    expect(code).not.toBe(await totpCode(SECRET, start));
  });

  it("after a rejection, the next code comes from a later window", async () => {
    const start = Date.UTC(2026, 10, 24, 3, 0, 5); // 25 s left
    fakeTimersAt(start);
    const pending = freshTotpCode(SECRET, fakeClock, { afterWindowOf: start });
    await advance(26_000);
    const { window } = await pending;
    expect(Math.floor(window / 30_000)).toBe(Math.floor(start / 30_000) + 1);
  });

  it("explains why a secret is unusable", () => {
    expect(totpSecretProblem(SECRET)).toBeUndefined();
    expect(totpSecretProblem("")).toBe("is empty");
    expect(totpSecretProblem("abc1")).toMatch(/not base32/);
    expect(totpSecretProblem("JBSWY3DP")).toMatch(/too short/);
  });
});
