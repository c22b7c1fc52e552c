import { closeAccounts, oneAccount } from "../../runner/accounts/model.js";
import { AccountRunner } from "../../runner/accounts/runner.js";
import { parseRequestToken } from "../../adapters/login/redirect.js";
import { formatIstShort } from "../../core/time.js";
import { commandContext, type GlobalOptions } from "../context.js";
import {
  EXIT_OK,
  exitCodeFor,
  failedRunJson,
  printPendingAlerts,
  printStoreWarnings,
  stepPrinter,
} from "../output.js";

/**
 * `kite-token exchange`: the manual fallback, through the account runner like a refresh
 * (the login lock, the run history, the alerts).
 */
export async function exchangeCommand(
  global: GlobalOptions,
  input: string,
  options: { json?: boolean; account?: string },
): Promise<number> {
  const requestToken = parseRequestToken(input);
  const ctx = commandContext(global, { require: ["apiKey", "apiSecret"] });
  const { out, app: base } = ctx;
  try {
    const account = oneAccount(base, options.account);
    const runner = new AccountRunner(account);
    try {
      const report = await runner.exchange(requestToken, {
        trigger: "exchange",
        ...(options.json ? {} : { onStep: stepPrinter(out) }),
      });
      if (!report.ok) {
        if (options.json) out.json(failedRunJson(account.userId, report));
        throw report.error;
      }
      const { record } = report.outcome;
      const { store } = account.app;
      if (options.json)
        out.json({
          status: "exchanged",
          user_id: record.user_id,
          expires_at: record.expires_at,
          store: store.name,
        });
      else
        out.line(
          `Token saved for ${record.user_id}, valid until ${formatIstShort(new Date(record.expires_at))}, in ${store.name}.`,
        );
      printStoreWarnings(out, report.outcome.delivery);
      for (const warning of report.outcome.warnings ?? []) out.warning(warning);
      printPendingAlerts(out, report.pendingAlerts);
      return EXIT_OK;
    } finally {
      await closeAccounts(base, [account]);
    }
  } catch (error) {
    out.failure(error, ctx.verbose);
    return exitCodeFor(error);
  } finally {
    await base.close();
  }
}
