import { configuredAlerts, reportingHooks } from "../../alerts/run-alerts.js";
import { refreshDeps } from "../../app.js";
import { LOGIN_CREDENTIALS } from "../../config/load.js";
import { isKiteTokenError } from "../../errors.js";
import { refresh, type RefreshOutcome } from "../../refresh.js";
import { formatDuration, formatIstShort } from "../../time.js";
import { runAccountsRefresh } from "./refresh-accounts.js";
import { commandContext, type CommandContext, type GlobalOptions } from "../context.js";
import { EXIT_FAILED, EXIT_OK, printStoreWarnings, stepPrinter } from "../output.js";

export interface RefreshOptions {
  force?: boolean;
  json?: boolean;
}

export function summary(outcome: RefreshOutcome, storeName: string): string {
  const r = outcome.record;
  const until = `${formatIstShort(new Date(r.expires_at))} (in ${formatDuration(new Date(r.expires_at).getTime() - Date.now())})`;
  const who = r.user_name ? `${r.user_id} (${r.user_name})` : r.user_id;
  if (outcome.status === "skipped")
    return `The saved token for ${who} is still valid until ${until}; nothing to do (--force logs in anyway).`;
  if (outcome.status === "reused")
    return `Another login refreshed the token for ${who} while this one waited; reused it (valid until ${until}).`;
  return `Token refreshed for ${who}, valid until ${until}, saved to ${storeName}.`;
}

export function outcomeJson(outcome: RefreshOutcome, storeName: string): Record<string, unknown> {
  return {
    status: outcome.status,
    user_id: outcome.record.user_id,
    user_name: outcome.record.user_name,
    login_time: outcome.record.login_time,
    expires_at: outcome.record.expires_at,
    store: storeName,
    steps: outcome.steps.map((s) => ({ step: s.step, ms: Math.round(s.ms) })),
  };
}

/** Runs the refresh pipeline for a built context, printing as it goes. */
export async function runRefresh(ctx: CommandContext, options: RefreshOptions): Promise<number> {
  const { app, out } = ctx;
  if (app.config.accounts.list) return runAccountsRefresh(ctx, options);
  // A failure is told through the alerts too (same episodes as the worker: no repeat mail).
  const alerts = await configuredAlerts(app);
  const deps = refreshDeps(
    app,
    reportingHooks(app, alerts, options.json ? undefined : stepPrinter(out)),
  );
  if (!options.json) out.line(`Refreshing the Kite access token for ${deps.credentials.userId}…`);
  try {
    const outcome = await refresh(deps, { force: Boolean(options.force) });
    if (options.json) out.json(outcomeJson(outcome, app.store.name));
    else out.line(summary(outcome, app.store.name));
    if (outcome.status === "refreshed") printStoreWarnings(out, app.store.lastReport);
    return EXIT_OK;
  } catch (error) {
    if (options.json && isKiteTokenError(error)) {
      out.json({ status: "failed", ...error.toJSON() });
    }
    out.failure(error, ctx.verbose);
    return EXIT_FAILED;
  } finally {
    alerts?.close();
    await app.close();
  }
}

export async function refreshCommand(
  global: GlobalOptions,
  options: RefreshOptions,
): Promise<number> {
  return runRefresh(commandContext(global, { require: LOGIN_CREDENTIALS }), options);
}
