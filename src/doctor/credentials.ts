import type { Config } from "../config/schema.js";
import { totpCode } from "../adapters/login/totp.js";
import { resultsOf, type CheckResult } from "./types.js";

const configuration = resultsOf("config", "configuration");
const totp = resultsOf("totp", "TOTP secret");

/** Configuration complete for a refresh: every problem the loader found, at once. */
export function checkConfig(config: Config | undefined, problems: string[]): CheckResult {
  if (problems.length > 0 || !config) {
    return configuration.fail(
      `${problems.length} problem${problems.length === 1 ? "" : "s"}: ${problems.join("; ")}`,
      "set the missing or wrong variables in .env, the environment or NAME_FILE (see .env.example), then run doctor again",
    );
  }
  const stores = config.delivery.stores.length;
  return configuration.pass(
    `complete for a refresh (${config.loginStrategy} login, ${stores} store${stores === 1 ? "" : "s"})`,
  );
}

/** `*****7`: enough to compare with the authenticator app, too little to use. */
export function maskCode(code: string): string {
  return `${"*".repeat(code.length - 1)}${code.slice(-1)}`;
}

/**
 * The TOTP secret decodes and yields a code (shown masked). Whether Kite accepts it is
 * known only by submitting it, which doctor never does.
 */
export async function checkTotp(
  secret: string | undefined,
  problem: string | undefined,
  now: number,
  account?: string,
): Promise<CheckResult> {
  // An account of the accounts file names its key by its own variable or file.
  const where = account ? `the totp_secret of account ${account}` : "KITE_TOTP_SECRET";
  const fix = `copy the key again from Kite > My profile > Password & Security > External TOTP (the 'Can't scan? Copy the key' text) into ${where}`;
  if (problem) return totp.fail(`${where} ${problem}`, fix);
  if (!secret) return totp.fail(`${where} is not set`, fix);
  const code = await totpCode(secret, now);
  return totp.pass(
    `decodes; current code ${maskCode(code)} (compare the last digit with your authenticator app)`,
  );
}
