import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { refreshAccounts } from "../src/accounts/batch.js";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config/load.js";
import { accountsEnv, startAccounts, writeAccountsFile } from "../test/accounts/helpers.js";
import { fastClock, tempDir } from "../test/helpers/setup.js";

/**
 * Many accounts: `accounts.js <batches> <concurrency>` times `refreshAccounts` (what
 * `kite-token refresh` and the worker run each morning) over 1 and over 10 simulated
 * accounts, alternating, each batch with a fresh app (so it starts its own browser), and
 * prints one JSON line. One simulator per account, all in this process.
 */
export interface AccountsResult {
  concurrency: number;
  /** Wall times in ms per batch, by number of accounts. */
  batches: Record<string, number[]>;
  /** Accounts that did not end with a valid token (should be none). */
  failures: string[];
}

export const ACCOUNT_COUNTS = [1, 10] as const;

export async function main(batches: number, concurrency: number): Promise<AccountsResult> {
  const sims = await startAccounts(Math.max(...ACCOUNT_COUNTS));
  const result: AccountsResult = { concurrency, batches: {}, failures: [] };
  try {
    // One uncounted batch first: module loading and the simulators' first pages.
    for (let b = -1; b < batches; b += 1) {
      for (const count of b < 0 ? [1] : ACCOUNT_COUNTS) {
        const some = sims.slice(0, count);
        const dir = tempDir("kt-bench-accounts-");
        const env = {
          ...accountsEnv(some),
          ACCOUNTS_FILE: writeAccountsFile(dir, some),
          TOKEN_FILE: path.join(dir, "token.json"),
          CONCURRENCY: String(concurrency),
          ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
        };
        const app = createApp(loadConfig({ env, cwd: dir }), {
          logger: pino({ level: "silent" }),
        });
        const started = performance.now();
        const results = await refreshAccounts(app, {
          force: true,
          // TOTP window waits are skipped by moving the clock, as in the other subjects.
          tuning: { clock: fastClock() },
        });
        const ms = performance.now() - started;
        await app.close();
        if (b < 0) continue;
        (result.batches[String(count)] ??= []).push(ms);
        for (const r of results) if (!r.ok) result.failures.push(`${r.id}: ${r.error.code}`);
      }
    }
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
  return result;
}

const isEntry = process.argv[1] === fileURLToPath(import.meta.url);
if (isEntry) {
  const [batches, concurrency] = process.argv.slice(2).map(Number);
  const result = await main(batches ?? 3, concurrency ?? 2);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
