import { KiteTokenError } from "../core/errors.js";

/** The file looked for when ACCOUNTS_FILE is not set, relative to the working directory. */
export const DEFAULT_ACCOUNTS_FILE = "config/accounts.json";

/** The id of the account the KITE_* variables describe, when there is no accounts file. */
export const DEFAULT_ACCOUNT = "default";

/**
 * `--account ID` (or the library's `account`) over the accounts file's entries: the one
 * named or, without a name, every entry; `"default"` when there is no file (the KITE_*
 * account). `only`: exactly one is needed, and `hint` says how to name it. An id that is
 * not there is a usage error naming the ids there are.
 */
export function pickAccounts<T extends { id: string }>(
  file: { path: string | undefined; entries: T[] } | undefined,
  id: string | undefined,
  only?: { hint: string },
): T[] | typeof DEFAULT_ACCOUNT {
  if (!file) {
    if (id === undefined || id.toLowerCase() === DEFAULT_ACCOUNT) return DEFAULT_ACCOUNT;
    throw new KiteTokenError(
      "USAGE",
      `No account ${id}: without an accounts file (ACCOUNTS_FILE or ${DEFAULT_ACCOUNTS_FILE}) the one account is "${DEFAULT_ACCOUNT}", from the KITE_* variables.`,
    );
  }
  const ids = file.entries.map((a) => a.id).join(", ");
  if (id === undefined) {
    if (only && file.entries.length !== 1)
      throw new KiteTokenError(
        "USAGE",
        `The accounts file lists several accounts: ${only.hint} (${ids}).`,
      );
    return file.entries;
  }
  const entry = file.entries.find((a) => a.id.toLowerCase() === id.toLowerCase());
  if (!entry)
    throw new KiteTokenError(
      "USAGE",
      `No account ${id} in ${file.path ?? "the accounts file"} (it lists ${ids}).`,
    );
  return [entry];
}
