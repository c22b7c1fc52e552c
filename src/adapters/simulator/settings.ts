import type { Simulator } from "./types.js";

/** The kite-token settings (environment variables) that point at a running simulator. */
export function simulatorSettings(sim: Simulator): Record<string, string> {
  return {
    KITE_LOGIN_URL: sim.loginUrl,
    KITE_API_ROOT: sim.apiRoot,
    KITE_API_KEY: sim.app.apiKey,
    KITE_API_SECRET: sim.app.apiSecret,
    KITE_USER_ID: sim.account.userId,
    KITE_PASSWORD: sim.account.password,
    KITE_TOTP_SECRET: sim.account.totpSecret,
    KITE_REDIRECT_URL: sim.app.redirectUrl,
  };
}
