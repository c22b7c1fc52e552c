import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { LoginSlots } from "../runner/accounts/login-slots.js";
import { accountsOf, closeAccounts, type Account } from "../runner/accounts/model.js";
import type { App } from "../runner/app.js";
import { listenFailure } from "../core/errors.js";
import { checkConsoleGuarded } from "../config/console-guard.js";
import { createConsole, pipelineRunner } from "./app.js";
import { historyRunSource } from "./history.js";
import type { ConsoleDeps, RefreshRunner, RunSource } from "./types.js";
import { PresenceFile } from "../adapters/state/presence.js";

export interface RunningConsole {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  host?: string;
  port?: number;
  /** The URL people reach the console at (default `http://HOST:PORT`). */
  publicUrl?: string;
  /** When the schedule (the worker's, or SCHEDULE) runs next: "next run" for every account. */
  nextRun?: () => Date | undefined;
  /**
   * The accounts served (the worker passes its own, sharing their locks and state);
   * default: every account of the configuration, closed with the console.
   */
  accounts?: Account[];
  /** The process's login turns: a console login takes one like a scheduled one. */
  slots?: LoginSlots;
  rateLimitPerMinute?: number;
}

/**
 * The console's dependencies over the accounts it serves: the KITE_* account alone is
 * served at `/api/accounts/default/…` and its aliases `/api/…`, the accounts of a file
 * under `/api/accounts/<id>`; the page shows one card per account either way.
 */
function consoleDeps(
  app: App,
  options: ServeOptions,
  publicUrl: string,
): { deps: ConsoleDeps; close: () => Promise<void> } {
  const { host, allowedHosts } = app.config.server;
  const common = {
    app,
    publicUrl,
    hostNames: [options.host ?? host, new URL(publicUrl).hostname, ...allowedHosts],
    rateLimitPerMinute: options.rateLimitPerMinute,
  };
  const nextRun = options.nextRun;
  const accounts = options.accounts ?? accountsOf(app);
  const close = async (): Promise<void> => {
    if (!options.accounts) await closeAccounts(app, accounts);
  };
  const runnerOf = (account: Account): RefreshRunner => pipelineRunner(account, options.slots);
  // The next run is the schedule's only while a worker runs it (this one, or one beside it).
  const presence = new PresenceFile(app.config.worker.presenceFile);
  const scheduled = async (): Promise<Date | undefined> =>
    nextRun && (await presence.seen()).running ? nextRun() : undefined;
  const runSourceOf = (account: Account): RunSource =>
    historyRunSource(account.app.state, scheduled, account.app.config.account?.sources);
  const [only] = accounts;
  const served = accounts.map((account) => ({
    id: account.id,
    userId: account.userId ?? "",
    app: account.app,
    refreshRunner: runnerOf(account),
    runSource: runSourceOf(account),
  }));
  const aliases = accounts.length === 1 && only !== undefined && !only.named;
  return { deps: { ...common, accounts: served, aliases }, close };
}

/**
 * Starts the token console (`kite-token serve`, or the worker with SERVER_ENABLED=true):
 * for the single account, or with an accounts file for every account (one card each).
 * It refuses to listen beyond loopback without ADMIN_TOKEN.
 */
export async function startConsole(app: App, options: ServeOptions = {}): Promise<RunningConsole> {
  const host = options.host ?? app.config.server.host;
  const wanted = options.port ?? app.config.server.port;
  checkConsoleGuarded(app.config.server, host);
  // The public URL needs the real port, known once listening: bind first, then build.
  const route: { handler?: (req: Request, env: unknown) => Response | Promise<Response> } = {};
  const server = createAdaptorServer({
    fetch: (req, env) =>
      route.handler ? route.handler(req, env) : new Response("starting", { status: 503 }),
    hostname: host,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(listenFailure(error, "token console", host, wanted)));
    server.listen(wanted, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const publicUrl = (options.publicUrl ?? `http://${shownHost}:${port}`).replace(/\/+$/, "");
  const { deps, close } = consoleDeps(app, options, publicUrl);
  const { api, abortAll } = createConsole(deps);
  route.handler = (req, env) => api.fetch(req, env);
  app.logger.info(
    { url: publicUrl, accounts: deps.aliases ? undefined : deps.accounts.map((a) => a.id) },
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
