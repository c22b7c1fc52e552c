import { createApp } from "../app.js";
import { LOGIN_CREDENTIALS, readConfig, type LoadOptions } from "../config/load.js";
import type { SecretRedactor } from "../redact.js";
import { checkBrowser } from "./browser.js";
import { checkClock } from "./clock.js";
import { checkConfig, checkTotp } from "./credentials.js";
import { checkAlerts, checkStores } from "./delivery.js";
import { skip, type CheckResult } from "./types.js";

const TOTP_VARIABLE = "KITE_TOTP_SECRET";

export interface DoctorOptions {
  load?: LoadOptions;
  redactor: SecretRedactor;
  logLevel?: string;
  now?: () => number;
}

/**
 * Every check, in order. Never logs in, never submits a TOTP, never changes the saved
 * token: the login page is only loaded, the stores only probed, the channels only verified.
 */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const now = options.now ?? Date.now;
  const load = { ...options.load, require: LOGIN_CREDENTIALS };
  let reading = readConfig(load);
  // A secret that does not decode is the TOTP check's failure: the rest runs without it.
  const totpProblem = reading.problems
    .find((p) => p.startsWith(`${TOTP_VARIABLE} `))
    ?.slice(TOTP_VARIABLE.length + 1);
  if (totpProblem) {
    reading = readConfig({
      ...load,
      require: LOGIN_CREDENTIALS.filter((c) => c !== "totpSecret"),
      overrides: { ...load.overrides, [TOTP_VARIABLE]: "" },
    });
  }
  const { config, problems } = reading;
  const results: CheckResult[] = [checkConfig(config, problems)];
  results.push(await checkTotp(config?.kite.totpSecret, totpProblem, now()));
  if (!config) {
    const why = "the configuration could not be read (see above)";
    for (const [id, title] of [
      ["clock", "clock skew"],
      ["chromium", "Chromium"],
      ["login-page", "login page"],
      ["alerts", "alerts"],
      ["stores", "stores"],
    ] as const) {
      results.push(skip(id, title, why));
    }
    return results;
  }
  const app = createApp(config, {
    redactor: options.redactor,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  try {
    results.push(await checkClock(config.kite.loginUrl, config.timeouts.apiMs, now));
    results.push(...(await checkBrowser(config)));
    results.push(...(await checkAlerts(app)));
    results.push(...(await checkStores(app)));
  } finally {
    await app.close();
  }
  return results;
}
