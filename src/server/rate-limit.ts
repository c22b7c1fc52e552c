import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { apiError } from "./guard.js";

/** The client's address as the socket saw it (the console is meant to be reached directly). */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? "unknown";
}

/** A per-client limit on the token endpoints: `limit` requests a minute, then 429. */
export function tokenRateLimit(limit: number): MiddlewareHandler {
  return rateLimiter({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-6",
    keyGenerator: clientAddress,
    handler: (c) =>
      apiError(
        c,
        429,
        "RATE_LIMITED",
        `Too many requests to the token endpoints (${limit} a minute). Wait a minute and try again.`,
      ),
  });
}
