import { Hono } from "hono";
import { refresh } from "../refresh.js";
import { refreshDeps, type App, type RunTuning } from "../app.js";
import { configuredAlerts, reportingHooks } from "../alerts/run-alerts.js";
import { requireAdmin } from "./auth.js";
import { ManualLogins } from "./manual-logins.js";
import { renderMetrics } from "./metrics.js";
import { pageRoutes } from "./page.js";
import { tokenRateLimit } from "./rate-limit.js";
import { mergedRuns, runRoutes } from "./routes-runs.js";
import { tokenRoutes } from "./routes-token.js";
import { RunRegistry } from "./runs.js";
import { noStore, securityHeaders } from "./security.js";
import { readStatus } from "./status-view.js";
import type { ConsoleDeps, RefreshRunner } from "./types.js";

export interface Console {
  api: Hono;
  registry: RunRegistry;
}

/**
 * The console's runner: the shared refresh pipeline, under the single-login lock (a
 * scheduled run in progress is waited for and its token reused, never a second login),
 * its failures reported through the alerts like `kite-token refresh`.
 */
export function pipelineRunner(app: App, tuning: RunTuning = {}): RefreshRunner {
  return async (onStep, signal, options) => {
    const hooks = reportingHooks(app, await configuredAlerts(app), onStep);
    return refresh(refreshDeps(app, { signal, trigger: "console", ...hooks, ...tuning }), {
      force: options.force,
    });
  };
}

/** The console's HTTP application: API, callback, page, health and metrics. */
export function createConsole(deps: ConsoleDeps): Console {
  const { app } = deps;
  const now = deps.now ?? (() => new Date());
  const registry = new RunRegistry(deps.refreshRunner, app.logger, app.redactor, now);
  const logins = new ManualLogins(deps.loginWindowMs ?? 5 * 60_000, () => now().getTime());
  const lastRuns = mergedRuns(registry, deps);
  const api = new Hono();

  api.use("*", securityHeaders());
  api.use("/api/*", noStore);
  api.use("/auth/*", noStore);
  api.onError((error, c) => {
    app.logger.error({ err: error }, "console request failed");
    return c.json(
      { error: { code: "INTERNAL", message: "The console failed unexpectedly." } },
      500,
    );
  });
  api.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: "No such page." } }, 404));

  tokenRoutes(api, {
    deps,
    registry,
    logins,
    admin: requireAdmin(app.config.server.adminToken),
    limit: tokenRateLimit(deps.rateLimitPerMinute ?? app.config.server.rateLimitPerMinute),
    lastRuns,
  });
  runRoutes(api, deps, registry, lastRuns);

  api.get("/healthz", (c) => c.json({ status: "ok" }));
  api.get("/metrics", async (c) => {
    const [status, runs] = await Promise.all([readStatus(app, now()), lastRuns(100)]);
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(renderMetrics(status, runs));
  });
  pageRoutes(api);
  return { api, registry };
}
