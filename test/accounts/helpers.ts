import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import {
  startSimulator,
  type LoginActivity,
  type Simulator,
} from "../../src/adapters/simulator/index.js";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Tracks logins in flight across several simulators, and the most seen at once. */
export class LoginGauge {
  active = 0;
  peak = 0;
  readonly onActivity = (event: LoginActivity): void => {
    this.active += event === "password-accepted" ? 1 : -1;
    this.peak = Math.max(this.peak, this.active);
  };
}

/**
 * One simulator per account (the simulator holds one account and one app); `redirectUrl`
 * is every app's registered redirect URL (e.g. a console's /auth/callback).
 */
export async function startAccounts(
  count: number,
  gauge?: LoginGauge,
  redirectUrl?: string,
): Promise<Simulator[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startSimulator({
        account: {
          userId: `ZX${String(1000 + i)}`,
          password: `pass-${randomBytes(6).toString("hex")}`,
          totpSecret: Array.from(randomBytes(32), (b) => BASE32[b % 32]).join(""),
        },
        app: {
          apiKey: `key${i}${randomBytes(4).toString("hex")}`,
          apiSecret: `sec-${randomBytes(8).toString("hex")}`,
          ...(redirectUrl ? { redirectUrl } : {}),
        },
        ...(gauge ? { onLoginActivity: gauge.onActivity } : {}),
      }),
    ),
  );
}

export const idOf = (i: number): string => `acct-${i}`;

/** The environment variables the accounts file names, one set per simulator. */
export function accountsEnv(sims: Simulator[]): Record<string, string> {
  const env: Record<string, string> = {};
  sims.forEach((sim, i) => {
    const v = idOf(i).toUpperCase().replace("-", "_");
    env[`KITE_USER_ID_${v}`] = sim.account.userId;
    env[`KITE_PASSWORD_${v}`] = sim.account.password;
    env[`KITE_TOTP_SECRET_${v}`] = sim.account.totpSecret;
    env[`KITE_API_KEY_${v}`] = sim.app.apiKey;
    env[`KITE_API_SECRET_${v}`] = sim.app.apiSecret;
  });
  return env;
}

/** Writes `<dir>/accounts.json` for the simulators; returns its path. */
export function writeAccountsFile(dir: string, sims: Simulator[]): string {
  const accounts = sims.map((sim, i) => {
    const v = idOf(i).toUpperCase().replace("-", "_");
    return {
      id: idOf(i),
      user_id_env: `KITE_USER_ID_${v}`,
      password_env: `KITE_PASSWORD_${v}`,
      totp_secret_env: `KITE_TOTP_SECRET_${v}`,
      api_key_env: `KITE_API_KEY_${v}`,
      api_secret_env: `KITE_API_SECRET_${v}`,
      redirect_url: sim.app.redirectUrl,
      login_url: sim.loginUrl,
      api_root: sim.apiRoot,
    };
  });
  const file = path.join(dir, "accounts.json");
  writeFileSync(file, JSON.stringify({ accounts }, null, 2));
  return file;
}
