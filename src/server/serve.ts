import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { accountApps } from "../accounts/batch.js";
import type { AccountSettings } from "../accounts/file.js";
import type { App, RunTuning } from "../app.js";
import { KiteTokenError } from "../errors.js";
import { createConsole, pipelineRunner } from "./app.js";
import { historyRunSource } from "./history.js";
import type { ConsoleDeps, RefreshRunner, RunSource } from "./types.js";

export interface RunningConsole {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Whether an address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export interface ServeOptions {
  host?: string;
  port?: number;
  /** The URL people reach the console at (default `http://HOST:PORT`). */
  publicUrl?: string;
  /** When the schedule (the worker's, or SCHEDULE) runs next: "next run" for every account. */
  nextRun?: () => Date | undefined;
  /** Test waits for the default pipeline runners (TOTP clock, exchange retries). */
  tuning?: RunTuning;
  /** Single account: its runner (default: the pipeline under the login lock). */
  refreshRunner?: RefreshRunner;
  /** Single account: its runs and schedule (default: the state file's runs and `nextRun`). */
  runSource?: RunSource;
  /**
   * Accounts mode: the accounts' apps (the worker passes its own, sharing their locks and
   * state); default: built from the base app with `accountApps`, closed with the console.
   */
  accountApps?: Array<{ account: AccountSettings; app: App }>;
  /** Accounts mode: an account's runner (undefined: the pipeline with that account's app). */
  accountRunner?: (account: AccountSettings, app: App) => RefreshRunner | undefined;
  rateLimitPerMinute?: number;
  loginWindowMs?: number;
  now?: () => Date;
}

/** The console's dependencies: the single account's, or one entry per account of the file. */
function consoleDeps(
  app: App,
  options: ServeOptions,
  publicUrl: string,
): { deps: ConsoleDeps; close: () => Promise<void> } {
  const common = {
    app,
    publicUrl,
    rateLimitPerMinute: options.rateLimitPerMinute,
    loginWindowMs: options.loginWindowMs,
    ...(options.now ? { now: options.now } : {}),
  };
  const nextRun = options.nextRun ?? (() => undefined);
  if (!app.config.accounts.list) {
    const runSource =
      options.runSource ??
      (options.nextRun ? historyRunSource(app.state, options.nextRun) : undefined);
    const refreshRunner = options.refreshRunner ?? pipelineRunner(app, options.tuning);
    return { deps: { ...common, refreshRunner, runSource }, close: () => Promise.resolve() };
  }
  const owned = options.accountApps === undefined;
  const apps = options.accountApps ?? accountApps(app);
  const accounts = apps.map(({ account, app: one }) => ({
    id: account.id,
    userId: account.credentials.userId,
    app: one,
    refreshRunner: options.accountRunner?.(account, one) ?? pipelineRunner(one, options.tuning),
    runSource: historyRunSource(one.state, nextRun),
  }));
  return {
    deps: { ...common, accounts },
    close: async () => {
      if (owned) await Promise.all(apps.map(({ app: one }) => one.close().catch(() => undefined)));
    },
  };
}

/**
 * Starts the token console (`kite-token serve`, or the worker with SERVER_ENABLED=true):
 * for the single account, or with an accounts file for every account (one card each).
 * It refuses to listen beyond loopback without ADMIN_TOKEN.
 */
export async function startConsole(app: App, options: ServeOptions = {}): Promise<RunningConsole> {
  const host = options.host ?? app.config.server.host;
  const wanted = options.port ?? app.config.server.port;
  if (!isLoopback(host) && app.config.server.adminToken === undefined) {
    throw new KiteTokenError(
      "CONFIG_INVALID",
      `HOST=${host} would open the console beyond this machine, and ADMIN_TOKEN is not set. Set ADMIN_TOKEN (e.g. \`openssl rand -hex 24\`) or keep HOST=127.0.0.1.`,
    );
  }
  // The public URL needs the real port, known once listening: bind first, then build.
  const route: { handler?: (req: Request, env: unknown) => Response | Promise<Response> } = {};
  const server = createAdaptorServer({
    fetch: (req, env) =>
      route.handler ? route.handler(req, env) : new Response("starting", { status: 503 }),
    hostname: host,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(wanted, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const publicUrl = (options.publicUrl ?? `http://${shownHost}:${port}`).replace(/\/+$/, "");
  const { deps, close } = consoleDeps(app, options, publicUrl);
  const { api, abortAll } = createConsole(deps);
  route.handler = (req, env) => api.fetch(req, env);
  app.logger.info(
    { url: publicUrl, accounts: deps.accounts?.map((a) => a.id) },
    "token console listening",
  );
  return {
    url: publicUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        abortAll();
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }).then(close),
  };
}
