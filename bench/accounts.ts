import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { refreshAccounts } from "../src/runner/accounts/batch.js";
import { createApp } from "../src/runner/app.js";
import { sleep } from "../src/core/time.js";
import { loadConfig } from "../src/config/load.js";
import { findChromium } from "../src/adapters/login/chromium.js";
import type { Simulator } from "../src/adapters/simulator/index.js";
import { accountsEnv, startAccounts, writeAccountsFile } from "../test/accounts/helpers.js";
import { fastClock, tempDir } from "../test/helpers/setup.js";
import { floorAccount, type FloorBatch } from "./floor.js";

/**
 * Many accounts: `accounts.js <batches> <concurrency>` times `refreshAccounts` (what
 * `kite-token refresh` and the worker run each morning) over 1 and over 10 simulated
 * accounts, each batch with a fresh app (so it forks its own login host, which loads
 * Playwright and starts its own Chromium), and beside it the bare Playwright floor doing
 * the same logins and exchanges in a fresh process per batch (loading Playwright, then one
 * Chromium, a context per login, `concurrency` at a time). The four kinds of batch
 * alternate; it prints one JSON line. One simulator per account, all in this process.
 */
export interface AccountsResult {
  concurrency: number;
  /** Wall times in ms per batch, by number of accounts. */
  batches: Record<string, number[]>;
  /** The same for the bare Playwright floor (from its process's start to its end). */
  floor: Record<string, number[]>;
  /** Accounts that did not end with a valid token (should be none). */
  failures: string[];
}

export const ACCOUNT_COUNTS = [1, 10] as const;

export async function main(batches: number, concurrency: number): Promise<AccountsResult> {
  const sims = await startAccounts(Math.max(...ACCOUNT_COUNTS));
  const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
  const result: AccountsResult = { concurrency, batches: {}, floor: {}, failures: [] };
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
        // TOTP window waits are skipped by moving the clock, as in the other subjects.
        const app = createApp(loadConfig({ env, cwd: dir }), {
          logger: pino({ level: "silent" }),
          clock: { ...fastClock(), pause: sleep },
        });
        const started = performance.now();
        const results = await refreshAccounts(app, { force: true });
        const ms = performance.now() - started;
        await app.close();
        if (b < 0) continue;
        (result.batches[String(count)] ??= []).push(ms);
        for (const r of results) if (!r.ok) result.failures.push(`${r.id}: ${r.error.code}`);
        const floorMs = await floorBatch(some, executablePath, concurrency);
        (result.floor[String(count)] ??= []).push(floorMs);
      }
    }
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
  return result;
}

/** One bare batch in a fresh process: ms from its spawn to its last exchange. */
async function floorBatch(
  sims: Simulator[],
  executablePath: string,
  concurrency: number,
): Promise<number> {
  const batch: FloorBatch = {
    executablePath,
    tag: `bench-floor-${process.pid}`,
    concurrency,
    accounts: sims.map(floorAccount),
  };
  const started = performance.now();
  const proc = spawn(process.execPath, [path.join(here, "floor.js"), "batch"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  proc.stdin.end(JSON.stringify(batch));
  let out = "";
  return new Promise<number>((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("done\n")) resolve(performance.now() - started);
    });
    proc.on("exit", (code) => {
      if (!out.includes("done\n")) reject(new Error(`the bare batch exited with ${code}`));
    });
  });
}

const here = path.dirname(fileURLToPath(import.meta.url));
const isEntry = process.argv[1] === fileURLToPath(import.meta.url);
if (isEntry) {
  const [batches, concurrency] = process.argv.slice(2).map(Number);
  const result = await main(batches ?? 3, concurrency ?? 2);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
