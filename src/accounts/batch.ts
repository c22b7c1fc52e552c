import { createApp, refreshDeps, type App, type RunTuning } from "../app.js";
import { KiteTokenError, toKiteTokenError } from "../errors.js";
import { refresh, type RefreshOutcome, type StepEvent } from "../refresh.js";
import { accountConfig } from "./account-config.js";
import type { AccountSettings } from "./file.js";
import { LoginSlots, withSlots } from "./login-slots.js";

export type AccountResult = { id: string; userId: string; storeName: string } & (
  { ok: true; outcome: RefreshOutcome } | { ok: false; error: KiteTokenError }
);

export interface BatchOptions {
  force?: boolean;
  trigger?: string;
  signal?: AbortSignal;
  /** Default: CONCURRENCY. */
  concurrency?: number;
  onStep?: (account: AccountSettings, event: StepEvent) => void;
  /** Told as each account finishes, in finishing order. */
  onResult?: (result: AccountResult) => void;
  /** The benchmark and tests shorten waits (the TOTP clock). */
  tuning?: RunTuning;
}

/**
 * One app per account, sharing the batch's logger (with the account id), redactor and
 * login host: the accounts' concurrent browser logins share one host and one Chromium.
 */
export function accountApps(base: App): Array<{ account: AccountSettings; app: App }> {
  return (base.config.accounts.list ?? []).map((account) => ({
    account,
    app: accountApp(base, account),
  }));
}

function accountApp(base: App, account: AccountSettings): App {
  return createApp(accountConfig(base.config, account), {
    logger: base.logger.child({ account: account.id }),
    redactor: base.redactor,
    // One login host (one Chromium, a context per login) for every account of the process.
    browserHost: base.browserHost,
    kiteInHost: base.kiteInHost,
  });
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
 * The app of the account `id` (`--account`), or the base app when none is asked for and
 * there is no accounts file. With an accounts file, the account must be named.
 */
export function selectAccount(base: App, id: string | undefined): App {
  const list = base.config.accounts.list;
  if (!list) {
    if (id === undefined) return base;
    throw new KiteTokenError(
      "USAGE",
      `--account ${id} needs an accounts file (ACCOUNTS_FILE or config/accounts.json), and there is none.`,
    );
  }
  const ids = list.map((a) => a.id).join(", ");
  if (id === undefined)
    throw new KiteTokenError(
      "USAGE",
      `The accounts file lists several accounts: add --account <id> (${ids}).`,
    );
  const account = list.find((a) => a.id.toLowerCase() === id.toLowerCase());
  if (!account)
    throw new KiteTokenError(
      "USAGE",
      `No account ${id} in ${base.config.accounts.file ?? "the accounts file"} (it lists ${ids}).`,
    );
  return accountApp(base, account);
}

/**
 * Refreshes every account of the accounts file: one Chromium, one isolated context per
 * login, at most CONCURRENCY logins at once. One account's failure never stops the others,
 * and no browser is left running when this returns. Results are in the file's order.
 */
export async function refreshAccounts(
  base: App,
  options: BatchOptions = {},
): Promise<AccountResult[]> {
  const apps = accountApps(base);
  const results = new Map<string, AccountResult>();
  try {
    // Every account's refresh runs at once; only their logins wait for one of the slots,
    // as in the worker: a login starts the moment another ends, in the same Chromium.
    const slots = accountSlots(base, options.concurrency);
    const one = async ({ account, app }: { account: AccountSettings; app: App }) => {
      const head = {
        id: account.id,
        userId: account.credentials.userId,
        storeName: app.store.name,
      };
      let result: AccountResult;
      try {
        const deps = refreshDeps(app, {
          ...options.tuning,
          ...(options.trigger ? { trigger: options.trigger } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onStep ? { onStep: (e: StepEvent) => options.onStep?.(account, e) } : {}),
        });
        const outcome = await refresh(withSlots(deps, slots), { force: Boolean(options.force) });
        result = { ...head, ok: true, outcome };
      } catch (error) {
        const failure = toKiteTokenError(error, "BROWSER_FAILED", "The refresh failed.");
        app.logger.error({ code: failure.code }, "account refresh failed");
        result = { ...head, ok: false, error: failure };
      }
      results.set(account.id, result);
      options.onResult?.(result);
    };
    await Promise.all(apps.map(one));
  } finally {
    await Promise.all(apps.map(({ app }) => app.close().catch(() => undefined)));
  }
  return apps.flatMap(({ account }) => results.get(account.id) ?? []);
}
