import path from "node:path";
import { expect } from "expect";
import { BrowserHost } from "../../src/adapters/login/host/client.js";
import { HostedBrowserLogin, HostedHttpLogin } from "../../src/adapters/login/host/hosted.js";
import { type RefreshDeps } from "../../src/pipeline/refresh.js";
import { refreshed } from "./refreshed.js";
import type { Simulator } from "../../src/adapters/simulator/index.js";
import { depsFor, fastClock, type DepsOverrides } from "./setup.js";

/** A valid base32 key that is not the simulator's: every code it makes is rejected. */
export const WRONG_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/**
 * The refresh pipeline wired as production wires it: the login (browser or HTTP) runs in
 * the login host, against a simulator, with a fast TOTP clock and its state in `dir`.
 */
export function hostedDeps(
  sim: Simulator,
  dir: string,
  host: BrowserHost,
  strategy: "browser" | "http",
  o: DepsOverrides = {},
): RefreshDeps {
  return {
    ...depsFor(sim, path.join(dir, "token.json"), { clock: fastClock(), ...o }),
    login:
      strategy === "http"
        ? new HostedHttpLogin(host)
        : new HostedBrowserLogin({
            host,
            browserPath: process.env["BROWSER_PATH"],
            noSandbox: undefined,
          }),
  };
}

/**
 * A day with a wrong key: the first of `refreshes` forced refreshes spends both codes
 * (TOTP_REJECTED), every later one is refused by the budget (TWOFA_BUDGET_SPENT).
 */
export async function spendTheDay(deps: RefreshDeps, refreshes: number): Promise<void> {
  await expect(refreshed(deps, { force: true })).rejects.toMatchObject({ code: "TOTP_REJECTED" });
  for (let run = 1; run < refreshes; run += 1) {
    await expect(refreshed(deps, { force: true })).rejects.toMatchObject({
      code: "TWOFA_BUDGET_SPENT",
    });
  }
}

/** What a day with a wrong key may show at Kite's endpoints: one password, two codes, nothing empty or repeated. */
export const WRONG_KEY_DAY = {
  loginAttempts: 1,
  twofaAttempts: 2,
  twofaEmpty: 0,
  twofaRepeated: 0,
} as const;

export { BrowserHost };
