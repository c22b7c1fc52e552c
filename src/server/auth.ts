import { timingSafeEqual, createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { apiError } from "./guard.js";
import { clientAddress } from "./rate-limit.js";

/** Wrong bearer tokens a client may send in a window before it is refused outright. */
export const AUTH_FAILURES_ALLOWED = 10;
export const AUTH_FAILURE_WINDOW_MS = 15 * 60_000;

/**
 * Bearer `ADMIN_TOKEN` on every endpoint that changes state or exchanges a token. The page
 * asks for the token once and keeps it in the tab's sessionStorage, sending it as the same
 * header (nothing is sent by the browser on its own, so there is no cross-site request to
 * forge). Without ADMIN_TOKEN (allowed on loopback only) the endpoints are open. A client
 * that sent AUTH_FAILURES_ALLOWED wrong tokens within the window gets 429 on every one of
 * these endpoints until the window has passed, even with the right token: guessing is slow.
 */
export function requireAdmin(adminToken: string | undefined): MiddlewareHandler {
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  const check: MiddlewareHandler = async (c, next) => {
    if (expected === undefined) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="kite-token"');
      return apiError(
        c,
        401,
        "UNAUTHORIZED",
        match?.[1]
          ? `Wrong admin token: it is not this console's ADMIN_TOKEN (${AUTH_FAILURES_ALLOWED} wrong ones within ${AUTH_FAILURE_WINDOW_MS / 60_000} minutes block this client for a while).`
          : "This endpoint needs `Authorization: Bearer <ADMIN_TOKEN>`.",
      );
    }
    return next();
  };
  if (expected === undefined) return check;
  const guesses = rateLimiter({
    windowMs: AUTH_FAILURE_WINDOW_MS,
    limit: AUTH_FAILURES_ALLOWED,
    keyGenerator: clientAddress,
    // Only a wrong token counts: no header is no guess, and a right one is not counted.
    skip: (c) => c.req.header("authorization") === undefined,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (c) => c.res.status !== 401,
    requestPropertyName: "authFailures",
    requestStorePropertyName: "authFailuresStore",
    standardHeaders: false,
    handler: (c) =>
      apiError(
        c,
        429,
        "RATE_LIMITED",
        `Too many wrong bearer tokens from this client (${AUTH_FAILURES_ALLOWED} within ${AUTH_FAILURE_WINDOW_MS / 60_000} minutes); try again later.`,
      ),
  });
  return (c, next) =>
    guesses(c, async () => {
      // The limiter reads the answer's status (401 or not) once the check has run.
      const answer = await check(c, next);
      if (answer instanceof Response) c.res = answer;
    });
}

/** Compares fixed-length digests, so neither the length nor the content leaks through timing. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
