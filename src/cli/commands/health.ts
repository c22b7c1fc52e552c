import { closeAccounts, selectAccounts } from "../../runner/accounts/model.js";
import type { App } from "../../runner/app.js";
import { formatIst } from "../../core/time.js";
import { checkHealth, type Health } from "../../worker/health.js";
import { PresenceFile, type WorkerSeen } from "../../adapters/state/presence.js";
import { Schedule } from "../../worker/schedule.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_FAILED, EXIT_OK } from "../output.js";

function healthOf(app: App): Promise<Health> {
  const { worker } = app.config;
  return checkHealth(app.store, app.state, new Schedule(worker.schedule, worker.scheduleTz));
}

function healthJson(id: string, health: Health, worker: WorkerSeen): Record<string, unknown> {
  return {
    id,
    healthy: health.healthy,
    reason: health.reason,
    last_run: health.lastRun ?? null,
    // Only a running worker runs the schedule.
    next_run: worker.running && health.nextRun ? formatIst(health.nextRun) : null,
  };
}

const verdict = (health: Health): string =>
  `${health.healthy ? "healthy" : "unhealthy"}: ${health.reason}`;

/**
 * `kite-token health`: the container's HEALTHCHECK, over every account (or `--account
 * ID`); healthy only when every one is. Several accounts get one `[id]` line each.
 */
export async function healthCommand(
  global: GlobalOptions,
  options: { account?: string; json?: boolean } = {},
): Promise<number> {
  const { app: base, out } = commandContext(global);
  try {
    const accounts = selectAccounts(base, options.account);
    try {
      const results = await Promise.all(accounts.map((a) => healthOf(a.app)));
      if (options.json) {
        const seen = await new PresenceFile(base.config.worker.presenceFile).seen();
        out.json({
          healthy: results.every((h) => h.healthy),
          worker: seen,
          accounts: results.map((health, i) => healthJson(accounts[i]?.id ?? "?", health, seen)),
        });
        return results.every((h) => h.healthy) ? EXIT_OK : EXIT_FAILED;
      }
      results.forEach((health, i) => {
        const account = accounts[i];
        out.line(
          accounts.length > 1 ? `[${account?.id ?? "?"}] ${verdict(health)}` : verdict(health),
        );
      });
      return results.every((h) => h.healthy) ? EXIT_OK : EXIT_FAILED;
    } finally {
      await closeAccounts(base, accounts);
    }
  } finally {
    await base.close();
  }
}
