import { createApp, type App } from "../app.js";
import { KiteTokenError } from "../errors.js";
import { accountConfig } from "./account-config.js";
import type { AccountSettings } from "../config/accounts-file.js";

/** The id of the account the KITE_* variables describe, when there is no accounts file. */
export const DEFAULT_ACCOUNT = "default";

/**
 * One account of the process: the accounts file's entries, or, without a file, the
 * KITE_* variables as the one account `default` (its app is the base app, with today's
 * paths). Every entry point acts on a list of these.
 */
export interface Account {
  id: string;
  /** The Kite user id (undefined only for `default` when KITE_USER_ID is not set). */
  userId: string | undefined;
  app: App;
  /** From the accounts file: its alerts and output lines name it. */
  named: boolean;
}

/** One account's app, sharing the base's logger (with the account id), redactor and login host. */
export function accountApp(base: App, account: AccountSettings): App {
  return createApp(accountConfig(base.config, account), {
    logger: base.logger.child({ account: account.id }),
    redactor: base.redactor,
    // One login host (one Chromium, a context per login) for every account of the process.
    browserHost: base.browserHost,
    kiteInHost: base.kiteInHost,
  });
}

const named = (base: App, settings: AccountSettings): Account => ({
  id: settings.id,
  userId: settings.credentials.userId,
  app: accountApp(base, settings),
  named: true,
});

/** The account an app was built for (an account's app, or the base app as `default`). */
export function accountOfApp(app: App): Account {
  const id = app.config.account?.id;
  return {
    id: id ?? DEFAULT_ACCOUNT,
    userId: app.config.kite.userId,
    app,
    named: id !== undefined,
  };
}

/** Every account of the configuration, in the accounts file's order (or the one `default`). */
export function accountsOf(base: App): Account[] {
  const list = base.config.accounts.list;
  if (!list)
    return [{ id: DEFAULT_ACCOUNT, userId: base.config.kite.userId, app: base, named: false }];
  return list.map((settings) => named(base, settings));
}

/**
 * `--account ID`: that account alone; without it, every account. An unknown id is a
 * usage error naming the ones there are.
 */
export function selectAccounts(base: App, id: string | undefined): Account[] {
  if (id === undefined) return accountsOf(base);
  const list = base.config.accounts.list;
  if (!list) {
    if (id.toLowerCase() === DEFAULT_ACCOUNT) return accountsOf(base);
    throw new KiteTokenError(
      "USAGE",
      `No account ${id}: without an accounts file (ACCOUNTS_FILE or config/accounts.json) the one account is "${DEFAULT_ACCOUNT}", from the KITE_* variables.`,
    );
  }
  const settings = list.find((a) => a.id.toLowerCase() === id.toLowerCase());
  if (!settings) {
    throw new KiteTokenError(
      "USAGE",
      `No account ${id} in ${base.config.accounts.file ?? "the accounts file"} (it lists ${list.map((a) => a.id).join(", ")}).`,
    );
  }
  return [named(base, settings)];
}

/** Exactly one account: `--account ID`, or the only one there is. */
export function oneAccount(base: App, id: string | undefined): Account {
  const accounts = selectAccounts(base, id);
  const [only] = accounts;
  if (accounts.length === 1 && only) return only;
  void closeAccounts(base, accounts);
  throw new KiteTokenError(
    "USAGE",
    `The accounts file lists several accounts: add --account <id> (${accounts.map((a) => a.id).join(", ")}).`,
  );
}

/** Closes the accounts' own apps (the base app stays open: its owner closes it). */
export async function closeAccounts(base: App, accounts: Account[]): Promise<void> {
  await Promise.all(
    accounts.filter((a) => a.app !== base).map((a) => a.app.close().catch(() => undefined)),
  );
}
