import { describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError, type ErrorCode } from "../../src/core/errors.js";
import { AutoLogin, canFallBack } from "../../src/adapters/login/auto.js";
import type {
  LoginContext,
  LoginInput,
  LoginResult,
  LoginStrategy,
  LoginStrategyName,
} from "../../src/adapters/login/types.js";
import { fastClock } from "../helpers/setup.js";

/** A strategy that answers the TOTP `codes` times, then fails with `code` or succeeds. */
class FakeLogin implements LoginStrategy {
  calls: Array<{ maxTotpSubmissions: number }> = [];
  constructor(
    readonly name: LoginStrategyName,
    private readonly codes: number,
    private readonly code?: ErrorCode,
  ) {}
  async login(_input: LoginInput, context: LoginContext): Promise<LoginResult> {
    this.calls.push({ maxTotpSubmissions: context.maxTotpSubmissions });
    for (let i = 0; i < this.codes; i += 1) await context.beforeSecondFactor?.();
    if (this.code) throw new KiteTokenError(this.code, `fake ${this.name} failure`);
    return { requestToken: `token-from-${this.name}`, totpSubmissions: this.codes };
  }
}

const input: LoginInput = {
  loginUrl: "http://127.0.0.1:9/connect/login",
  userId: "AB1234",
  password: "pw",
  totpSecret: "JBSWY3DPEHPK3PXP",
  redirectUrl: undefined,
};
const context = (): LoginContext => ({
  clock: fastClock(),
  timeouts: { stepMs: 1000, redirectMs: 1000 },
  maxTotpSubmissions: 2,
});

describe("LOGIN_STRATEGY=auto: when to fall back", () => {
  it("falls back only from failures the other strategy could avoid", () => {
    const cases: Array<[string, ErrorCode, boolean]> = [
      ["browser", "LOGIN_PAGE_CHANGED", true],
      ["browser", "BROWSER_NOT_FOUND", true],
      ["browser", "BROWSER_FAILED", true],
      ["browser", "LOGIN_API_CHANGED", false],
      ["http", "LOGIN_API_CHANGED", true],
      ["http", "LOGIN_PAGE_CHANGED", false],
    ];
    for (const first of ["browser", "http"]) {
      for (const code of [
        "BAD_CREDENTIALS",
        "TOTP_REJECTED",
        "APP_CODE_REQUIRED",
        "ACCOUNT_BLOCKED",
        "KITE_UNAVAILABLE",
        "REDIRECT_TIMEOUT",
        "ABORTED",
      ] as const) {
        cases.push([first, code, false]);
      }
    }
    for (const [first, code, expected] of cases) {
      expect([first, code, canFallBack(first, new KiteTokenError(code, "x"))]).toEqual([
        first,
        code,
        expected,
      ]);
    }
    expect(canFallBack("http", new Error("not ours"))).toBe(false);
  });

  it("uses the second strategy after an avoidable failure, with the TOTP budget left", async () => {
    const first = new FakeLogin("http", 1, "LOGIN_API_CHANGED");
    const second = new FakeLogin("browser", 1);
    const result = await new AutoLogin(first, second).login(input, context());
    expect(result).toEqual({
      requestToken: "token-from-browser",
      totpSubmissions: 2,
      strategy: "browser",
    });
    expect(second.calls).toEqual([{ maxTotpSubmissions: 1 }]);
  });

  it("does not fall back once the first strategy spent the whole TOTP budget", async () => {
    const second = new FakeLogin("browser", 0);
    const error = await new AutoLogin(new FakeLogin("http", 2, "LOGIN_API_CHANGED"), second)
      .login(input, context())
      .catch((e: unknown) => e);
    expect((error as KiteTokenError).code).toBe("LOGIN_API_CHANGED");
    expect(second.calls).toEqual([]);
  });

  for (const code of [
    "BAD_CREDENTIALS",
    "TOTP_REJECTED",
    "APP_CODE_REQUIRED",
    "ACCOUNT_BLOCKED",
  ] as const) {
    it(`never falls back after ${code}`, async () => {
      const second = new FakeLogin("http", 0);
      const error = await new AutoLogin(new FakeLogin("browser", 0, code), second)
        .login(input, context())
        .catch((e: unknown) => e);
      expect((error as KiteTokenError).code).toBe(code);
      expect(second.calls).toEqual([]);
    });
  }
});
