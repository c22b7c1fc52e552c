import { accountApps } from "../../accounts/batch.js";
import type { App } from "../../app.js";
import { checkHealth, type Health } from "../../worker/health.js";
import { Schedule } from "../../worker/schedule.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_FAILED, EXIT_OK } from "../output.js";

function healthOf(app: App): Promise<Health> {
  const { worker } = app.config;
  return checkHealth(app.store, app.state, new Schedule(worker.schedule, worker.scheduleTz));
}

const verdict = (health: Health): string =>
  `${health.healthy ? "healthy" : "unhealthy"}: ${health.reason}`;

/**
 * `kite-token health`: the container's HEALTHCHECK. With an accounts file, one `[id]` line
 * per account, and healthy only when every account is.
 */
export async function healthCommand(global: GlobalOptions): Promise<number> {
  const { app, out } = commandContext(global);
  try {
    if (!app.config.accounts.list) {
      const health = await healthOf(app);
      out.line(verdict(health));
      return health.healthy ? EXIT_OK : EXIT_FAILED;
    }
    const apps = accountApps(app);
    try {
      const results = await Promise.all(apps.map(({ app: one }) => healthOf(one)));
      results.forEach((health, i) =>
        out.line(`[${apps[i]?.account.id ?? "?"}] ${verdict(health)}`),
      );
      return results.every((h) => h.healthy) ? EXIT_OK : EXIT_FAILED;
    } finally {
      await Promise.all(apps.map(({ app: one }) => one.close()));
    }
  } finally {
    await app.close();
  }
}
