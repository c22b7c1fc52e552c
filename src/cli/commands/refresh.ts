import type { ChildProcess } from "node:child_process";
import { accountSlots, refreshAccounts, type AccountResult } from "../../runner/accounts/batch.js";
import { closeAccounts, selectAccounts, type Account } from "../../runner/accounts/model.js";
import { ALERT_WAIT_MS, AccountRunner } from "../../runner/accounts/runner.js";
import type { App } from "../../runner/app.js";
import { LOGIN_CREDENTIALS } from "../../config/load.js";
import type { RefreshOutcome, RunReport } from "../../pipeline/refresh.js";
import { formatDuration, formatIstShort } from "../../core/time.js";
import { commandContext, type CommandContext, type GlobalOptions } from "../context.js";
import {
  alertWaitNotice,
  counted,
  EXIT_FAILED,
  EXIT_OK,
  failedRunJson,
  printEvidence,
  printPendingAlerts,
  printStoreWarnings,
  stepPrinter,
  type Output,
} from "../output.js";

/** Exit codes after a stop, as a shell reports a process the signal ended: 128 + its number. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** After SIGTERM or SIGINT the command must be gone this long after, whatever is in flight. */
const STOP_LIMIT_MS = 9000;

/**
 * SIGTERM and SIGINT stop the refresh as they stop the worker: the login is aborted (its
 * Chromium closed), the lock released, the run recorded as ABORTED, then the command exits
 * 143 or 130. A second signal, or a stop that takes too long, exits at once.
 */
function stopOnSignals(): {
  signal: AbortSignal;
  received(): NodeJS.Signals | undefined;
  off(): void;
} {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = SIGNAL_EXIT[signal] ?? 1;
    if (received) process.exit(code);
    received = signal;
    controller.abort(new Error(`stopped by ${signal}`));
    setTimeout(() => process.exit(code), STOP_LIMIT_MS).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    signal: controller.signal,
    received: () => received,
    off: () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}

export interface RefreshOptions {
  force?: boolean;
  json?: boolean;
  account?: string;
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
    ...(outcome.warnings ? { warnings: outcome.warnings } : {}),
  };
}

/** A run's JSON: its outcome, or its failure (see `failedRunJson`). */
function reportJson(account: Account, report: RunReport): Record<string, unknown> {
  return report.ok
    ? outcomeJson(report.outcome, account.app.store.name)
    : failedRunJson(account.userId, report);
}

/** A run's result as a person reads it: its summary and warnings, or its failure and evidence. */
function printOutcome(
  ctx: CommandContext,
  account: Account,
  report: RunReport,
  json: boolean | undefined,
): void {
  const { out } = ctx;
  if (!report.ok) {
    out.failure(report.error, ctx.verbose);
    printEvidence(out, report.evidence);
    return;
  }
  if (!json) out.line(summary(report.outcome, account.app.store.name));
  if (report.outcome.status === "refreshed") printStoreWarnings(out, report.outcome.delivery);
  for (const warning of report.outcome.warnings ?? []) out.warning(warning);
}

/**
 * One account: its steps as they happen, then its result (or its JSON) as soon as the run
 * is over, before its alerts are waited for, and last whatever alert stayed pending.
 */
async function refreshOne(
  ctx: CommandContext,
  account: Account,
  runner: AccountRunner,
  options: RefreshOptions,
  signal: AbortSignal,
): Promise<number> {
  const { out } = ctx;
  if (!options.json) out.line(`Refreshing the Kite access token for ${account.userId ?? "?"}…`);
  const waiting = alertWaitNotice(out, ALERT_WAIT_MS);
  const report = await runner.refresh({
    trigger: "cli",
    force: options.force,
    signal,
    ...(options.json
      ? {}
      : {
          onStep: stepPrinter(out),
          onEnded: (ended: RunReport) => {
            printOutcome(ctx, account, ended, false);
            waiting.arm();
          },
        }),
  });
  waiting.cancel();
  if (options.json) {
    out.json(reportJson(account, report));
    printOutcome(ctx, account, report, true);
  }
  printPendingAlerts(out, report.pendingAlerts);
  return report.ok ? EXIT_OK : EXIT_FAILED;
}

/** One account's line as its run is over, then its warnings or where its failure's evidence is. */
function printResult(out: Output, result: AccountResult): void {
  if (result.ok) {
    out.line(`[${result.id}] ${summary(result.outcome, result.storeName)}`);
    for (const warning of result.outcome.warnings ?? []) out.warning(`[${result.id}] ${warning}`);
    return;
  }
  out.line(
    `[${result.id}] FAILED for ${result.userId}: ${result.error.code}: ${result.error.message}`,
  );
  // What to do, as for one account.
  out.error(`[${result.id}] ${result.error.hint}`);
  if (!result.report.ok) printEvidence(out, result.report.evidence, `[${result.id}] `);
}

/** Several accounts at once (CONCURRENCY logins at a time): one line each, then a total. */
async function refreshMany(
  base: App,
  out: Output,
  accounts: Account[],
  options: RefreshOptions,
  signal: AbortSignal,
): Promise<number> {
  if (!options.json)
    out.line(
      `Refreshing ${counted(accounts.length, "Kite account")}, ${base.config.accounts.concurrency} at a time…`,
    );
  const waits = new Map<string, ReturnType<typeof alertWaitNotice>>();
  const waitingOf = (id: string) => {
    let notice = waits.get(id);
    if (!notice) waits.set(id, (notice = alertWaitNotice(out, ALERT_WAIT_MS, `[${id}] `)));
    return notice;
  };
  const results = await refreshAccounts(base, {
    accounts,
    force: Boolean(options.force),
    signal,
    ...(options.json
      ? {}
      : {
          onStep: (a, e) => stepPrinter(out, `[${a.id}]`)(e),
          onEnded: (r) => {
            printResult(out, r);
            waitingOf(r.id).arm();
          },
          onResult: (r) => {
            waitingOf(r.id).cancel();
            printPendingAlerts(out, r.report.pendingAlerts, `[${r.id}] `);
          },
        }),
  });
  const failed = results.filter((r) => !r.ok).map((r) => r.id);
  if (options.json) {
    out.json({
      accounts: results.map((r, i) => ({ id: r.id, ...reportJson(accounts[i]!, r.report) })),
    });
  } else {
    out.line(
      failed.length === 0
        ? results.length === 1
          ? "The account has a valid token."
          : `All ${counted(results.length, "account")} have a valid token.`
        : `${failed.length} of ${counted(results.length, "account")} FAILED: ${failed.join(", ")}.`,
    );
  }
  return failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

/**
 * `kite-token refresh`: every account (or `--account ID`), each through the account
 * runner, so each failure is alerted and recorded the same way whatever the count.
 */
export async function runRefresh(ctx: CommandContext, options: RefreshOptions): Promise<number> {
  const { app: base, out } = ctx;
  let accounts: Account[] = [];
  const stop = stopOnSignals();
  let code: number;
  try {
    accounts = selectAccounts(base, options.account);
    const [only] = accounts;
    code =
      accounts.length > 1 || !only
        ? await refreshMany(base, out, accounts, options, stop.signal)
        : await refreshOne(
            ctx,
            only,
            new AccountRunner(only, { slots: accountSlots(base) }),
            options,
            stop.signal,
          );
  } catch (error) {
    out.failure(error, ctx.verbose);
    code = EXIT_FAILED;
  } finally {
    await closeAccounts(base, accounts);
    await base.close();
    stop.off();
  }
  const signal = stop.received();
  return signal ? (SIGNAL_EXIT[signal] ?? code) : code;
}

export async function refreshCommand(
  global: GlobalOptions,
  options: RefreshOptions,
  /** A login host main.ts started before this command was loaded (see forkLoginHost). */
  loginHost?: ChildProcess,
): Promise<number> {
  let ctx: CommandContext;
  try {
    ctx = commandContext(global, { require: LOGIN_CREDENTIALS }, loginHost ? { loginHost } : {});
  } catch (error) {
    // No app took it: nothing was launched in it yet.
    loginHost?.kill("SIGKILL");
    throw error;
  }
  return runRefresh(ctx, options);
}
