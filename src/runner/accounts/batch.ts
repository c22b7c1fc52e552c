import type { App } from "../app.js";
import type { KiteTokenError } from "../../core/errors.js";
import type { RefreshOutcome, StepEvent } from "../../pipeline/refresh.js";
import { LoginSlots } from "./login-slots.js";
import { accountsOf, closeAccounts, type Account } from "./model.js";
import { AccountRunner, type AccountRunReport } from "./runner.js";

export type AccountResult = { id: string; userId: string; storeName: string } & (
  | { ok: true; outcome: RefreshOutcome; report: AccountRunReport }
  | { ok: false; error: KiteTokenError; report: AccountRunReport }
);

export interface BatchOptions {
  force?: boolean;
  trigger?: string;
  signal?: AbortSignal;
  /** The accounts to refresh (default: every account of the configuration). */
  accounts?: Account[];
  /** Default: CONCURRENCY. */
  concurrency?: number;
  onStep?: (account: Account, event: StepEvent) => void;
  /**
   * Told as each account's run is over, in finishing order, before its alerts are waited
   * for (its report has no pendingAlerts yet).
   */
  onEnded?: (result: AccountResult) => void;
  /** Told as each account finishes, its alerts sent or left pending, in finishing order. */
  onResult?: (result: AccountResult) => void;
}

function resultOf(account: Account, report: AccountRunReport): AccountResult {
  const head = {
    id: account.id,
    userId: account.userId ?? "?",
    storeName: account.app.store.name,
    report,
  };
  return report.ok
    ? { ...head, ok: true, outcome: report.outcome }
    : { ...head, ok: false, error: report.error };
}

/**
 * The login turns of the accounts of a process: at most `limit` logins at once
 * (CONCURRENCY), and while logins wait for a turn the login host keeps its Chromium
 * between two of them (not closed, then launched again for the next).
 */
export function accountSlots(base: App, limit = base.config.accounts.concurrency): LoginSlots {
  return new LoginSlots(limit, (on, handedOver) => base.browserHost.holdBrowser(on, handedOver));
}

/**
 * Refreshes accounts at once, each through its account runner (its lock, history and
 * alerts): one Chromium, one isolated context per login, at most CONCURRENCY logins at
 * once. One account's failure never stops the others, and no browser is left running
 * when this returns. Results are in the accounts' order.
 */
export async function refreshAccounts(
  base: App,
  options: BatchOptions = {},
): Promise<AccountResult[]> {
  const accounts = options.accounts ?? accountsOf(base);
  const slots = accountSlots(base, options.concurrency);
  try {
    // Every account's refresh runs at once; only their logins wait for one of the slots,
    // as in the worker: a login starts the moment another ends, in the same Chromium.
    return await Promise.all(
      accounts.map(async (account) => {
        const runner = new AccountRunner(account, { slots });
        const report = await runner.refresh({
          trigger: options.trigger ?? "cli",
          force: options.force,
          signal: options.signal,
          ...(options.onStep ? { onStep: (e: StepEvent) => options.onStep?.(account, e) } : {}),
          ...(options.onEnded
            ? { onEnded: (r: AccountRunReport) => options.onEnded?.(resultOf(account, r)) }
            : {}),
        });
        const result = resultOf(account, report);
        if (!report.ok)
          // Said by the caller (the CLI's [id] line); a log line for the record, not an error.
          account.app.logger.info({ code: report.error.code }, "account refresh failed");
        options.onResult?.(result);
        return result;
      }),
    );
  } finally {
    if (!options.accounts) await closeAccounts(base, accounts);
  }
}
