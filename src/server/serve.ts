import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { LoginSlots } from "../accounts/login-slots.js";
import { accountsOf, closeAccounts, type Account } from "../accounts/model.js";
import type { App } from "../app.js";
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
  /**
   * The accounts served (the worker passes its own, sharing their locks and state);
   * default: every account of the configuration, closed with the console.
   */
  accounts?: Account[];
  /** The process's login turns: a console login takes one like a scheduled one. */
  slots?: LoginSlots;
  /** An account's runner (undefined: the pipeline through its account runner). Tests gate it. */
  accountRunner?: (account: Account) => RefreshRunner | undefined;
  rateLimitPerMinute?: number;
  loginWindowMs?: number;
  now?: () => Date;
}

/**
 * The console's dependencies over the accounts it serves: the KITE_* account alone is
 * served at `/api/…` with its own page, the accounts of a file under `/api/accounts/<id>`.
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
    loginWindowMs: options.loginWindowMs,
    ...(options.now ? { now: options.now } : {}),
  };
  const nextRun = options.nextRun;
  const accounts = options.accounts ?? accountsOf(app);
  const close = async (): Promise<void> => {
    if (!options.accounts) await closeAccounts(app, accounts);
  };
  const runnerOf = (account: Account): RefreshRunner =>
    options.accountRunner?.(account) ?? pipelineRunner(account, options.slots);
  const runSourceOf = (account: Account): RunSource | undefined =>
    nextRun ? historyRunSource(account.app.state, nextRun) : undefined;
  const [only] = accounts;
  if (accounts.length === 1 && only && !only.named) {
    return {
      deps: { ...common, refreshRunner: runnerOf(only), runSource: runSourceOf(only) },
      close,
    };
  }
  const served = accounts.map((account) => ({
    id: account.id,
    userId: account.userId ?? "",
    app: account.app,
    refreshRunner: runnerOf(account),
    runSource: historyRunSource(account.app.state, nextRun ?? (() => undefined)),
  }));
  return { deps: { ...common, accounts: served }, close };
}

/** Why a listen failed, and what to change. */
const LISTEN_PROBLEMS: Record<string, [why: string, hint: string]> = {
  EADDRINUSE: [
    "the port is already in use",
    "Choose another PORT (or `serve --port`), or stop what listens there.",
  ],
  EACCES: [
    "this user may not listen on that port",
    "Ports below 1024 need root: choose a PORT of 1024 or more.",
  ],
  EADDRNOTAVAIL: [
    "the address is not one of this machine's",
    "Set HOST (or `serve --host`) to one of this machine's addresses, e.g. 127.0.0.1.",
  ],
  ENOTFOUND: [
    "the host name does not resolve",
    "Set HOST (or `serve --host`) to one of this machine's addresses, e.g. 127.0.0.1.",
  ],
};

/** Why the console cannot listen, naming the address and what to change. */
function listenFailure(error: unknown, host: string, port: number): KiteTokenError {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const [why, hint] = LISTEN_PROBLEMS[code] ?? [
    (error as Error).message,
    "Check HOST and PORT (or `serve --host/--port`).",
  ];
  return new KiteTokenError(
    "CONFIG_INVALID",
    `The console cannot listen on ${host}:${port}: ${why}${code ? ` (${code})` : ""}.`,
    { cause: error, hint },
  );
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
    server.once("error", (error) => reject(listenFailure(error, host, wanted)));
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
