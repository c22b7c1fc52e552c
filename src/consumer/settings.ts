import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { accountPath } from "../runner/accounts/account-config.js";
import { accountsFilePath } from "../config/accounts-file.js";
import { DEFAULT_ACCOUNT, pickAccounts } from "../config/accounts.js";
import { mergedSettings, type LoadOptions } from "../config/load.js";
import { RawConfigSchema } from "../config/schema.js";
import { KiteTokenError } from "../core/errors.js";
import type { StoreSpec } from "../config/store-spec.js";

/** What a bot reading its token needs: where the token is, nothing about logins or alerts. */
export interface ReaderSettings {
  /** The account read: `default` (the KITE_* one) or an accounts file's id. */
  account: string;
  /** The primary store of that account. */
  store: StoreSpec;
  /** Its Kite user id, when known (a Redis store's key needs it). */
  userId: string | undefined;
  apiRoot: string;
  apiTimeoutMs: number;
}

/** Only the variables a reader needs, with the same rules as the full configuration. */
const ReaderSchema = RawConfigSchema.pick({
  TOKEN_FILE: true,
  TOKEN_STORES: true,
  ACCOUNTS_FILE: true,
  KITE_USER_ID: true,
  KITE_API_ROOT: true,
  KITE_API_TIMEOUT_MS: true,
});

const AccountIds = z.object({
  accounts: z
    .array(
      z.looseObject({
        id: z.string(),
        user_id_env: z.string().optional(),
        user_id_file: z.string().optional(),
      }),
    )
    .min(1),
});

function invalid(problem: string): KiteTokenError {
  return new KiteTokenError("CONFIG_INVALID", `The token's settings have a problem: ${problem}.`);
}

/** An account's user id from its `user_id_env` or `user_id_file`, when it can be read. */
function userIdOf(
  entry: { user_id_env?: string | undefined; user_id_file?: string | undefined },
  env: Record<string, string | undefined>,
  cwd: string,
): string | undefined {
  try {
    const value = entry.user_id_env
      ? env[entry.user_id_env]
      : entry.user_id_file
        ? readFileSync(path.resolve(cwd, entry.user_id_file), "utf8")
        : undefined;
    return value?.trim().toUpperCase() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The store settings of one account, for a bot's process (`readToken`, `watchToken`,
 * `liveKiteConnect`): TOKEN_STORES or TOKEN_FILE and, with an accounts file, the account's
 * id. Nothing else is read or checked: not the alert settings, not the console's, not a
 * secret, so a bot never fails to read its token over the refresher's other settings.
 */
export function readerSettings(
  options: LoadOptions & { account?: string | undefined },
): ReaderSettings {
  const problems: string[] = [];
  const { merged, cwd } = mergedSettings(options, problems);
  if (merged["KITE_USER_ID_FILE"] && !merged["KITE_USER_ID"]) {
    try {
      merged["KITE_USER_ID"] = readFileSync(path.resolve(cwd, merged["KITE_USER_ID_FILE"]), "utf8");
    } catch {
      // Only a Redis store needs it; said below if so.
    }
  }
  const parsed = ReaderSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${String(issue?.path[0] ?? "a setting")} ${issue?.message ?? "is invalid"}`);
  }
  const raw = parsed.data;
  const stores = raw.TOKEN_STORES ?? [{ kind: "file" as const, path: raw.TOKEN_FILE }];
  const [primary] = stores;
  if (!primary) throw invalid("TOKEN_STORES lists no store");
  const base = { apiRoot: raw.KITE_API_ROOT, apiTimeoutMs: raw.KITE_API_TIMEOUT_MS };
  const file = accountsFilePath(raw.ACCOUNTS_FILE, cwd);
  let list: z.infer<typeof AccountIds>["accounts"] | undefined;
  if (file) {
    try {
      list = AccountIds.parse(JSON.parse(readFileSync(file, "utf8"))).accounts;
    } catch (error) {
      throw invalid(
        `ACCOUNTS_FILE ${file} cannot be read (${(error as Error).message.split("\n")[0]})`,
      );
    }
  }
  const picked = pickAccounts(list ? { path: file, entries: list } : undefined, options.account, {
    hint: "name one",
  });
  if (picked === DEFAULT_ACCOUNT)
    return { ...base, account: DEFAULT_ACCOUNT, store: primary, userId: raw.KITE_USER_ID };
  const [entry] = picked;
  if (!entry) throw invalid("the accounts file lists no account");
  // The same per-account store an account's refresh writes (see accountConfig).
  const store: StoreSpec =
    primary.kind === "file" ? { kind: "file", path: accountPath(primary.path, entry.id) } : primary;
  return { ...base, account: entry.id, store, userId: userIdOf(entry, merged, cwd) };
}
