import { refreshAccounts, type AccountResult } from "../../accounts/batch.js";
import { isKiteTokenError } from "../../errors.js";
import type { CommandContext } from "../context.js";
import { EXIT_FAILED, EXIT_OK, stepPrinter } from "../output.js";
import { outcomeJson, summary, type RefreshOptions } from "./refresh.js";

function resultLine(result: AccountResult): string {
  if (result.ok) return `[${result.id}] ${summary(result.outcome, result.storeName)}`;
  return `[${result.id}] FAILED for ${result.userId}: ${result.error.code}: ${result.error.message}`;
}

/** `kite-token refresh` with an accounts file: every account, one line each, then a total. */
export async function runAccountsRefresh(
  ctx: CommandContext,
  options: RefreshOptions,
): Promise<number> {
  const { app, out } = ctx;
  const accounts = app.config.accounts.list ?? [];
  const concurrency = app.config.accounts.concurrency;
  if (!options.json)
    out.line(`Refreshing ${accounts.length} Kite accounts, ${concurrency} at a time…`);
  try {
    const results = await refreshAccounts(app, {
      force: Boolean(options.force),
      ...(options.json ? {} : { onStep: (a, e) => stepPrinter(out, `[${a.id}]`)(e) }),
      ...(options.json ? {} : { onResult: (r) => out.line(resultLine(r)) }),
    });
    const failed = results.filter((r) => !r.ok);
    if (options.json) {
      out.json({
        accounts: results.map((r) =>
          r.ok
            ? { id: r.id, ...outcomeJson(r.outcome, r.storeName) }
            : { id: r.id, user_id: r.userId, status: "failed", ...r.error.toJSON() },
        ),
      });
    } else {
      out.line(
        failed.length === 0
          ? `All ${results.length} accounts have a valid token.`
          : `${failed.length} of ${results.length} accounts FAILED: ${failed.map((r) => r.id).join(", ")}.`,
      );
    }
    return failed.length === 0 ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    if (options.json && isKiteTokenError(error)) out.json({ status: "failed", ...error.toJSON() });
    out.failure(error, ctx.verbose);
    return EXIT_FAILED;
  } finally {
    await app.close();
  }
}
