import type { LoginSlots } from "../runner/accounts/login-slots.js";
import type { Account } from "../runner/accounts/model.js";
import { AccountRunner } from "../runner/accounts/runner.js";
import { Hono } from "hono";
import type { App } from "../runner/app.js";
import { accountsRoutes, type ServedAccount } from "./accounts.js";
import { requireAdmin } from "./auth.js";
import { CALLBACK_PATH, callbackRoute } from "./callback.js";
import { ManualLogins } from "./manual-logins.js";
import { renderMetrics } from "./metrics.js";
import { pageRoutes } from "./page.js";
import { tokenRateLimit } from "./rate-limit.js";
import { mergedRuns, runRoutes } from "./routes-runs.js";
import { tokenRoutes } from "./routes-token.js";
import { RunRegistry } from "./runs.js";
import { noStore, securityHeaders } from "./security.js";
import { apiError, bodyCap, hostGuard, sameOriginWrites } from "./guard.js";
import { readStatus } from "./status-view.js";
import type { ConsoleScope } from "./runs.js";
import type { ConsoleDeps, RefreshRunner, RunSource } from "./types.js";

export interface Console {
  api: Hono;
  /** Stops every running refresh (server shutdown). */
  abortAll(): void;
}

/**
 * The console's runner: the account runner's refresh, under the account's login lock (a
 * scheduled run in progress is waited for and its token reused, never a second login),
 * recorded in its history and reported through its alerts like `kite-token refresh`.
 */
export function pipelineRunner(account: Account, slots?: LoginSlots): RefreshRunner {
  const runner = new AccountRunner(account, { slots });
  return async (onStep, signal, options) => {
    const report = await runner.refresh({
      trigger: "console",
      onStep,
      signal,
      force: options.force,
    });
    if (!report.ok) throw report.error;
    return report.outcome;
  };
}

/** One account's scope: its app, its own run registry (one run at a time) and its history. */
function scopeOf(
  app: App,
  runner: RefreshRunner,
  runSource: RunSource | undefined,
  now: () => Date,
  account?: string,
): ConsoleScope {
  const registry = new RunRegistry(runner, app.logger, app.redactor, now);
  return {
    app,
    registry,
    runSource,
    lastRuns: mergedRuns(registry, runSource),
    ...(account === undefined ? {} : { account }),
  };
}

/**
 * The console's HTTP application: API, callback, page, health and metrics; for the
 * single account, or (accounts mode) for every account of the accounts file.
 */
/** How long a manual login started from the console may come back. */
const MANUAL_LOGIN_WINDOW_MS = 5 * 60_000;

export function createConsole(deps: ConsoleDeps): Console {
  const { app } = deps;
  // The app's time port: a test's clock moves the console's time too.
  const now = (): Date => new Date(app.clock.now());
  const loginWindowMs = MANUAL_LOGIN_WINDOW_MS;
  const logins = new ManualLogins(loginWindowMs, () => now().getTime());
  // The KITE_* account served alone keeps its scope unnamed, as its alias routes are.
  const listed: ServedAccount[] = deps.accounts.map((a) => ({
    id: a.id,
    userId: a.userId,
    scope: scopeOf(a.app, a.refreshRunner, a.runSource, now, deps.aliases ? undefined : a.id),
  }));
  const single = deps.aliases ? listed[0]?.scope : undefined;
  const scopes = listed.map((a) => a.scope);
  const api = new Hono();

  api.use("*", securityHeaders());
  // Refused before any route: another host name (DNS rebinding), another site's writes,
  // bodies larger than the API takes.
  api.use("*", hostGuard(deps.hostNames ?? []));
  api.use("*", sameOriginWrites);
  api.use("*", bodyCap());
  api.use("/api/*", noStore);
  api.use("/auth/*", noStore);
  api.onError((error, c) => {
    app.logger.error({ err: error }, "console request failed");
    return apiError(c, 500, "INTERNAL", "The console failed unexpectedly.");
  });
  api.notFound((c) => apiError(c, 404, "NOT_FOUND", "No such page."));

  const shared = {
    logins,
    admin: requireAdmin(app.config.server.adminToken),
    limit: tokenRateLimit(deps.rateLimitPerMinute ?? app.config.server.rateLimitPerMinute),
    callbackUrl: `${deps.publicUrl}${CALLBACK_PATH}`,
    loginWindowMs,
    now,
  };
  const mount = (prefix: string, scope: ConsoleScope): void => {
    const sub = new Hono();
    tokenRoutes(sub, { ...shared, scope });
    runRoutes(sub, scope, now);
    api.route(prefix, sub);
  };
  // The KITE_* account is the account `default`: `/api/token/…` and `/api/runs…` are
  // aliases of its `/api/accounts/default/…`, so a client can always use the account form.
  if (single) mount("/api", single);
  for (const account of listed) mount(`/api/accounts/${account.id}`, account.scope);
  accountsRoutes(api, listed, {
    now,
    authRequired: app.config.server.adminToken !== undefined,
    aliases: single !== undefined,
  });
  callbackRoute(api, {
    logins,
    limit: shared.limit,
    scope: { app },
    scopeFor: (account) => scopes.find((s) => s.account === account),
  });

  // The page checks the admin token it was given here, before it acts with it.
  api.get("/api/admin-check", shared.limit, shared.admin, (c) => c.json({ ok: true }));
  api.get("/healthz", (c) => c.json({ status: "ok" }));
  api.get("/metrics", async (c) => {
    const entries = await Promise.all(
      scopes.map(async (scope) => {
        const [status, runs] = await Promise.all([
          readStatus(scope.app, now()),
          scope.lastRuns(100),
        ]);
        return { account: scope.account, status, runs };
      }),
    );
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(renderMetrics(entries));
  });
  pageRoutes(api);
  return { api, abortAll: () => scopes.forEach((s) => s.registry.abortAll()) };
}
