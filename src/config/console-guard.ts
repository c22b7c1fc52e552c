import { KiteTokenError } from "../core/errors.js";
import type { ServerConfig } from "./schema.js";

/** Whether an address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The console refuses to listen beyond loopback without ADMIN_TOKEN: CONFIG_INVALID
 * (exit 2) before anything starts. The Docker image listens on every interface
 * (HOST=0.0.0.0), so that a published port reaches the console; there it needs the token.
 */
export function checkConsoleGuarded(server: ServerConfig, host: string = server.host): void {
  if (isLoopback(host) || server.adminToken !== undefined) return;
  throw new KiteTokenError(
    "CONFIG_INVALID",
    `HOST=${host} would open the console beyond this machine, and ADMIN_TOKEN is not set. Set ADMIN_TOKEN (e.g. \`openssl rand -hex 24\`; with Docker Compose, in secrets/admin_token), or keep HOST=127.0.0.1. The Docker image sets HOST=0.0.0.0 so that its published port reaches the console.`,
  );
}
