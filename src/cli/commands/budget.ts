import { closeAccounts, selectAccounts, type Account } from "../../runner/accounts/model.js";
import { isKiteTokenError, KiteTokenError } from "../../core/errors.js";
import type { BudgetDay } from "../../adapters/budget/budget.js";
import { PasswordGuard, rejectedWhen } from "../../adapters/budget/password-guard.js";
import { inAccountTerms } from "../../config/accounts-file.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { counted, EXIT_OK, EXIT_USAGE, exitCodeFor, type Output } from "../output.js";

export interface BudgetOptions {
  account?: string;
  json?: boolean;
}

/** How long a reset waits for a login holding the account's lock. */
const RESET_LOCK_WAIT_MS = 2000;

const who = (account: Account): string => account.userId ?? account.id;

/** A line naming KITE_* variables, in an accounts file's account's own variables or files. */
const inTermsOf = (account: Account, text: string): string =>
  inAccountTerms(text, account.app.config.account?.sources);

const passwordsOf = (account: Account): PasswordGuard => new PasswordGuard(account.app.state);

function dayLines(account: Account, today: BudgetDay, rejectedAt: string | undefined): string[] {
  const left = Math.max(0, today.limit - today.spent);
  return [
    ...(rejectedAt
      ? [
          inTermsOf(
            account,
            `Password: Kite rejected ${who(account)}'s user id and password at ${rejectedWhen(rejectedAt)}; they are not sent again until KITE_PASSWORD or KITE_USER_ID changes (or \`kite-token budget reset --yes\`).`,
          ),
        ]
      : []),
    `Second-factor codes today (${today.day} IST) for ${who(account)}, kept in ${account.app.budget.name}:`,
    `  sent ${today.sent}: accepted ${today.accepted}, rejected ${today.rejected}, unanswered ${today.unanswered}${today.held > 0 ? ` (and ${today.held} held in the browser, never sent)` : ""}`,
    left > 0
      ? `  ${today.spent} of ${today.limit} allowed failures used: ${counted(left, "more code")} may be rejected today before kite-token stops submitting.`
      : `  ${today.spent} of ${today.limit} allowed failures used: no code is submitted until tomorrow (IST), or \`kite-token budget reset --yes\`.`,
  ];
}

/** Runs `act` on each selected account, then closes them; a usage error exits 2. */
async function eachAccount(
  global: GlobalOptions,
  options: BudgetOptions,
  act: (out: Output, accounts: Account[]) => Promise<number>,
): Promise<number> {
  const { app: base, out, verbose } = commandContext(global);
  let accounts: Account[] = [];
  try {
    accounts = selectAccounts(base, options.account);
    return await act(out, accounts);
  } catch (error) {
    out.failure(error, verbose);
    return exitCodeFor(error);
  } finally {
    await closeAccounts(base, accounts);
    await base.close();
  }
}

/** `kite-token budget`: today's second-factor codes of each account (sent, accepted, rejected, unanswered). */
export function budgetCommand(global: GlobalOptions, options: BudgetOptions): Promise<number> {
  return eachAccount(global, options, async (out, accounts) => {
    const days = await Promise.all(accounts.map((a) => a.app.budget.today()));
    const rejected = await Promise.all(accounts.map((a) => passwordsOf(a).rejectedAt()));
    if (options.json) {
      out.json({
        accounts: days.map((today, i) => ({
          id: accounts[i]?.id,
          user_id: accounts[i]?.userId,
          budget: accounts[i]?.app.budget.name,
          ...today,
          password_rejected_at: rejected[i] ?? null,
        })),
      });
      return EXIT_OK;
    }
    days.forEach((today, i) => {
      const account = accounts[i]!;
      const prefix = accounts.length > 1 ? `[${account.id}] ` : "";
      for (const line of dayLines(account, today, rejected[i])) out.line(`${prefix}${line}`);
    });
    return EXIT_OK;
  });
}

/**
 * `kite-token budget reset --yes`: forgets today's codes, knowingly: without `--yes` it
 * says what it would do and exits 2. It waits for no login: one holding the account's
 * lock makes it refuse, so a code in flight is never forgotten unseen.
 */
export function budgetResetCommand(
  global: GlobalOptions,
  options: BudgetOptions & { yes?: boolean },
): Promise<number> {
  return eachAccount(global, options, async (out, accounts) => {
    if (!options.yes) {
      for (const account of accounts) {
        const today = await account.app.budget.today();
        out.error(
          inTermsOf(
            account,
            `kite-token: this would forget today's ${counted(today.sent, "second-factor code")} for ${who(account)} (rejected ${today.rejected}, unanswered ${today.unanswered}), so the next run may submit codes again. Zerodha blocks an account after five wrong codes: reset only once the cause (the clock, KITE_TOTP_SECRET) is fixed.`,
          ),
        );
        const rejectedAt = await passwordsOf(account).rejectedAt();
        if (rejectedAt)
          out.error(
            `kite-token: it would also let the next run send the user id and password Kite rejected at ${rejectedWhen(rejectedAt)} once more. Five wrong passwords block the account too: reset only if you are sure they are right.`,
          );
      }
      out.error(
        `Run \`kite-token budget reset --yes${options.account ? ` --account ${options.account}` : ""}\` to do it.`,
      );
      return EXIT_USAGE;
    }
    for (const account of accounts) {
      const { app } = account;
      const lease = await app.lock
        .acquire({ waitMs: RESET_LOCK_WAIT_MS })
        .catch((error: unknown) => {
          if (isKiteTokenError(error) && error.code === "LOCK_TIMEOUT") {
            throw new KiteTokenError(
              "LOCK_TIMEOUT",
              `A login for ${who(account)} is running (${app.lock.name} is held); the budget was not reset. Try again once it ends.`,
            );
          }
          throw error;
        });
      try {
        const was = await app.budget.reset();
        const rejectedAt = await passwordsOf(account).reset();
        app.logger.info({ ...was, password_rejected_at: rejectedAt }, "login budget reset by hand");
        out.line(
          `Reset: today's ${counted(was.sent, "second-factor code")} for ${who(account)} forgotten (rejected ${was.rejected}, unanswered ${was.unanswered}); the next run may submit codes again.`,
        );
        if (rejectedAt)
          out.line(
            `Reset: the user id and password Kite rejected at ${rejectedWhen(rejectedAt)} may be sent once more by the next run.`,
          );
      } finally {
        await lease.release();
      }
    }
    return EXIT_OK;
  });
}
