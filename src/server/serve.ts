import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { App } from "../app.js";
import { KiteTokenError } from "../errors.js";
import { createConsole, pipelineRunner } from "./app.js";
import type { ConsoleDeps } from "./types.js";

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

export type ServeOptions = Partial<Omit<ConsoleDeps, "app" | "publicUrl">> & {
  host?: string;
  port?: number;
  /** The URL people reach the console at (default `http://HOST:PORT`). */
  publicUrl?: string;
};

/**
 * Starts the token console (`kite-token serve`, or the worker with SERVER_ENABLED=true).
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
  const { api, registry } = createConsole({
    app,
    refreshRunner: options.refreshRunner ?? pipelineRunner(app),
    runSource: options.runSource,
    publicUrl,
    rateLimitPerMinute: options.rateLimitPerMinute,
    loginWindowMs: options.loginWindowMs,
    ...(options.now ? { now: options.now } : {}),
  });
  route.handler = (req, env) => api.fetch(req, env);
  app.logger.info({ url: publicUrl }, "token console listening");
  return {
    url: publicUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        registry.abortAll();
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
