import { createApp, type App } from "../app.js";
import { DEFAULT_ACCOUNT, pickAccounts } from "../../config/accounts.js";
import { accountConfig } from "./account-config.js";
import type { AccountSettings } from "../../config/accounts-file.js";

export { DEFAULT_ACCOUNT } from "../../config/accounts.js";

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
    clock: base.clock,
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
  return base.config.accounts.list.map((settings) =>
    settings.named ? named(base, settings) : accountOfApp(base),
  );
}

/**
 * `--account ID`: that account alone; without it, every account. An unknown id is a
 * usage error naming the ones there are.
 */
export function selectAccounts(base: App, id: string | undefined): Account[] {
  return fromPick(base, pickAccounts(fileOf(base), id));
}

/** Exactly one account: `--account ID`, or the only one there is. */
export function oneAccount(base: App, id: string | undefined): Account {
  const [only] = fromPick(base, pickAccounts(fileOf(base), id, { hint: "add --account <id>" }));
  if (!only) throw new Error("no account picked");
  return only;
}

function fileOf(base: App) {
  const { list, file } = base.config.accounts;
  return file ? { path: file, entries: list } : undefined;
}

function fromPick(base: App, picked: AccountSettings[] | typeof DEFAULT_ACCOUNT): Account[] {
  return picked === DEFAULT_ACCOUNT ? accountsOf(base) : picked.map((s) => named(base, s));
}

/** Closes the accounts' own apps (the base app stays open: its owner closes it). */
export async function closeAccounts(base: App, accounts: Account[]): Promise<void> {
  await Promise.all(
    accounts.filter((a) => a.app !== base).map((a) => a.app.close().catch(() => undefined)),
  );
}
