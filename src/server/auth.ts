import { timingSafeEqual, createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/**
 * Bearer `ADMIN_TOKEN` on every endpoint that changes state or exchanges a token. The page
 * asks for the token once and keeps it in the tab's sessionStorage, sending it as the same
 * header (nothing is sent by the browser on its own, so there is no cross-site request to
 * forge). Without ADMIN_TOKEN (allowed on loopback only) the endpoints are open.
 */
export function requireAdmin(adminToken: string | undefined): MiddlewareHandler {
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return async (c, next) => {
    if (expected === undefined) return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="kite-token"');
      return c.json(
        {
          error: {
            code: "UNAUTHORIZED",
            message: "This endpoint needs `Authorization: Bearer <ADMIN_TOKEN>`.",
          },
        },
        401,
      );
    }
    return next();
  };
}

/** Compares fixed-length digests, so neither the length nor the content leaks through timing. */
function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
