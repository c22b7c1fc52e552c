import { configuredTokenStatus, isUsable } from "../../pipeline/status.js";
import { formatDuration, formatIst, formatIstShort } from "../../core/time.js";
import { PresenceFile } from "../../adapters/state/presence.js";
import { Schedule } from "../../worker/schedule.js";
import type { RunRecord } from "../../adapters/state/state.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_FAILED, EXIT_OK, type Output } from "../output.js";
import type { App } from "../../runner/app.js";
import { closeAccounts, selectAccounts, type Account } from "../../runner/accounts/model.js";

export async function statusCommand(
  global: GlobalOptions,
  options: { json?: boolean; account?: string },
): Promise<number> {
  const { app: base, out } = commandContext(global);
  try {
    const accounts = selectAccounts(base, options.account);
    try {
      const [only] = accounts;
      if (accounts.length === 1 && only) return await printStatus(only.app, out, options);
      return await printAccountsStatus(accounts, out, options);
    } finally {
      await closeAccounts(base, accounts);
    }
  } finally {
    await base.close();
  }
}

/** Several accounts: each account's lines, prefixed with its id; fails if any is unusable. */
async function printAccountsStatus(
  accounts: Account[],
  out: Output,
  options: { json?: boolean },
): Promise<number> {
  const codes: number[] = [];
  const json: unknown[] = [];
  for (const { id, app } of accounts) {
    const prefixed: Output = Object.assign(Object.create(out) as Output, {
      line: (text = "") => out.line(`[${id}] ${text}`),
      json: (value: unknown) => json.push({ id, ...(value as object) }),
    });
    codes.push(await printStatus(app, prefixed, options));
  }
  if (options.json) out.json({ accounts: json });
  return codes.every((c) => c === EXIT_OK) ? EXIT_OK : EXIT_FAILED;
}

async function printStatus(app: App, out: Output, options: { json?: boolean }): Promise<number> {
  const status = await configuredTokenStatus(
    app.store,
    (apiKey) => app.kite(apiKey),
    app.config.kite.apiKey,
  );
  const { worker } = app.config;
  // The next scheduled run is shown only when a worker is there to run it.
  const seen = await new PresenceFile(worker.presenceFile).seen();
  const nextRun = seen.running
    ? new Schedule(worker.schedule, worker.scheduleTz).next()
    : undefined;
  // A state file that cannot be read is said so, not taken for "no run yet".
  let stateError: string | undefined;
  const lastRun = await app.state
    .read()
    .then((st) => st.runs.at(-1))
    .catch((error: unknown) => {
      stateError = error instanceof Error ? error.message : String(error);
      return undefined;
    });
  if (options.json) {
    out.json({
      last_run: lastRun,
      ...(stateError ? { last_run_unknown: stateError } : {}),
      worker: seen,
      next_run: nextRun ? formatIst(nextRun) : null,
      state: status.state,
      store: app.store.name,
      user_id: status.record?.user_id,
      expires_at: status.record?.expires_at,
      seconds_left: status.msLeft === undefined ? undefined : Math.floor(status.msLeft / 1000),
      kite_check: status.kiteCheck,
      note: status.note,
    });
  } else {
    const r = status.record;
    const expiry = r ? `${formatIstShort(new Date(r.expires_at))}` : "";
    const lines: Record<typeof status.state, string> = {
      missing: `missing: no token saved at ${app.store.name}. Run \`kite-token refresh\`.`,
      unreadable: `unreadable: ${status.note ?? ""}`,
      expired: `expired: the token for ${r?.user_id ?? "?"} expired at ${expiry}. Run \`kite-token refresh\`.`,
      rejected: `rejected by Kite: the token for ${r?.user_id ?? "?"} is no longer accepted (${status.note ?? ""}). Run \`kite-token refresh --force\`.`,
      expiring: `expiring: token for ${r?.user_id ?? "?"} expires ${expiry} (in ${formatDuration(status.msLeft ?? 0)}), within the hour. Run \`kite-token refresh\` after 06:00 IST.`,
      valid: `valid: token for ${r?.user_id ?? "?"} expires ${expiry} (in ${formatDuration(status.msLeft ?? 0)})${status.kiteCheck === "accepted" ? ", accepted by Kite" : status.note ? `; ${status.note}` : ""}.`,
    };
    out.line(lines[status.state]);
    out.line(`last run: ${stateError ? `unknown: ${stateError}` : lastRunLine(lastRun)}`);
    out.line(seen.text);
    out.line(
      nextRun
        ? `next scheduled run: ${formatIstShort(nextRun)} (${worker.schedule} in ${worker.scheduleTz})`
        : "next scheduled run: none (no worker is running to run SCHEDULE: start `kite-token worker`, or schedule `kite-token refresh`)",
    );
  }
  return isUsable(status.state) ? EXIT_OK : EXIT_FAILED;
}

function lastRunLine(run: RunRecord | undefined): string {
  if (!run) return "none recorded";
  const ms = run.steps.reduce((sum, s) => sum + s.ms, 0);
  const how =
    run.outcome === "failed" ? `failed with ${run.error_code ?? "an error"}` : run.outcome;
  return `${how} at ${formatIstShort(new Date(run.ended_at))} (${run.trigger}, ${(ms / 1000).toFixed(1)} s)`;
}
