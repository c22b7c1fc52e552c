import { closeAccounts, selectAccounts, type Account } from "../runner/accounts/model.js";
import { createApp } from "../runner/app.js";
import { isKiteTokenError } from "../core/errors.js";
import { LOGIN_CREDENTIALS, readConfig, type LoadOptions } from "../config/load.js";
import { inAccountTerms } from "../config/accounts-file.js";
import type { SecretRedactor } from "../core/redact.js";
import { api, checkApi } from "./api.js";
import { checkBrowser, chromium, loginPage } from "./browser.js";
import { checkClock, clock } from "./clock.js";
import { checkConfig, checkTotp } from "./credentials.js";
import { alerting, checkAlerts, checkStores } from "./delivery.js";
import { fail, resultsOf, type CheckResult } from "./types.js";

const TOTP_VARIABLE = "KITE_TOTP_SECRET";

export interface DoctorOptions {
  load?: LoadOptions;
  redactor: SecretRedactor;
  logLevel?: string;
  now?: () => number;
  /** `--account ID`: that account's checks alone (default: every account). */
  account?: string | undefined;
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
  // The KITE_* account's key; an accounts file's keys are checked per account below.
  if (!config?.accounts.file)
    results.push(await checkTotp(config?.kite.totpSecret, totpProblem, now()));
  if (!config) {
    const why = "the configuration could not be read (see above)";
    const later = [clock, api, chromium, loginPage, alerting];
    for (const check of [...later, resultsOf("stores", "stores")]) results.push(check.skip(why));
    return results;
  }
  const app = createApp(config, {
    redactor: options.redactor,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  let accounts: Account[] = [];
  try {
    accounts = selectAccounts(app, options.account);
    const labelled = accounts.length > 1;
    // Each account's checks: labelled when there are several, their fixes in the terms of
    // the variables or files an accounts file's entry names.
    const mine = (account: Account, checks: CheckResult[]): CheckResult[] =>
      checks.map((r) => ({
        ...r,
        ...(labelled ? { title: `[${account.id}] ${r.title}` } : {}),
        ...(r.fix ? { fix: inAccountTerms(r.fix, account.app.config.account?.sources) } : {}),
      }));
    // Every account's own checks: its TOTP key (an accounts file's; the KITE_* one is above),
    // its login page (and Chromium), its stores.
    for (const account of accounts.filter((a) => a.named)) {
      const key = account.app.config.kite.totpSecret;
      results.push(...mine(account, [await checkTotp(key, undefined, now(), account.id)]));
    }
    results.push(await checkClock(config.kite.loginUrl, config.timeouts.apiMs, now));
    // One API check, or one per account when the accounts point at different API roots.
    const roots = new Set(accounts.map((a) => a.app.config.kite.apiRoot));
    const apiOf = (root: string) => checkApi(root, config.timeouts.apiMs);
    const [only = config.kite.apiRoot] = roots;
    if (roots.size <= 1) results.push(await apiOf(only));
    for (const account of accounts) {
      const own = [
        ...(roots.size > 1 ? [await apiOf(account.app.config.kite.apiRoot)] : []),
        ...(await checkBrowser(account.app.config)),
        ...(await checkStores(account.app)),
      ];
      results.push(...mine(account, own));
    }
    results.push(...(await checkAlerts(app)));
  } catch (error) {
    if (!isKiteTokenError(error) || error.code !== "USAGE") throw error;
    results.push(fail("config", "account", error.message, "name one of the accounts listed"));
  } finally {
    await closeAccounts(app, accounts);
    await app.close();
  }
  return results;
}
