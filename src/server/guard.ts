import { isIP } from "node:net";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/**
 * What the console refuses before any route runs, so that a web page open in the
 * trader's browser cannot use an open console (loopback, no ADMIN_TOKEN) on its own:
 * a request for a host name the console does not serve (DNS rebinding), a state-changing
 * request from another site, a body that is not JSON where JSON is expected, and a body
 * larger than any the API takes.
 */

/** The largest body the API takes: a pasted callback URL with room to spare. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The console's error answer: `{"error": {"code", "message"}}` with its HTTP status. */
export function apiError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 503,
  code: string,
  message: string,
): Response {
  return c.json({ error: { code, message } }, status);
}

/** A Host header's name: lower case, without its port, brackets or final dot. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

/** Text from a request, as a message may repeat it: short, printable. */
function shown(text: string): string {
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, "?").slice(0, 80));
}

/**
 * Answers only requests addressed to a name this console serves: an IP address (a page
 * cannot rebind one), `localhost`, HOST and SERVER_ALLOWED_HOSTS. A page of another site
 * whose name was rebound to 127.0.0.1 sends its own name, and is refused.
 */
export function hostGuard(names: Iterable<string>): MiddlewareHandler {
  const allowed = new Set([...names].map(hostName));
  return async (c, next) => {
    const header = c.req.header("host");
    if (header === undefined) return next();
    const name = hostName(header);
    if (
      isIP(name) !== 0 ||
      name === "localhost" ||
      name.endsWith(".localhost") ||
      allowed.has(name)
    )
      return next();
    return apiError(
      c,
      403,
      "HOST_REFUSED",
      `This console does not answer to the host name ${shown(name)}. If you reach it by that name (a reverse proxy), add it to SERVER_ALLOWED_HOSTS.`,
    );
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a browser sent this request from a page of another site: its `Origin` is not
 * the console's own (the host it was sent to), or `Sec-Fetch-Site` says so. Requests
 * that carry neither (curl, scripts) are not a browser's, and pass.
 */
function crossSite(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = c.req.header("origin");
  if (origin === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() !== (c.req.header("host") ?? "").toLowerCase();
  } catch {
    return true; // "null" (a sandboxed frame, a file) or garbage
  }
}

function crossSiteRefusal(c: Context) {
  return apiError(
    c,
    403,
    "CROSS_SITE",
    "This request came from a page of another site; the console acts only for its own page (or for clients that are not browsers, such as curl).",
  );
}

/** Every state-changing request must come from the console's own page (or not from a browser). */
export const sameOriginWrites: MiddlewareHandler = async (c, next) =>
  SAFE_METHODS.has(c.req.method) || !crossSite(c) ? next() : crossSiteRefusal(c);

/** For a GET that acts (refresh-info issues a login state): the console's own page only. */
export const sameOrigin: MiddlewareHandler = async (c, next) =>
  crossSite(c) ? crossSiteRefusal(c) : next();

/**
 * A JSON endpoint takes JSON: a body sent as a form or as text (what a page of another
 * site can send without asking) is refused; no body at all, with no type, is fine.
 */
export const jsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type");
  const noBody =
    (c.req.header("content-length") ?? "0") === "0" && !c.req.header("transfer-encoding");
  if (type === undefined && noBody) return next();
  if (type !== undefined && /^application\/json\s*(;|$)/i.test(type)) return next();
  return apiError(
    c,
    415,
    "INPUT_INVALID",
    "Send the body as JSON, with `Content-Type: application/json`.",
  );
};

/** Bodies larger than the API takes are refused at once (413), never read whole. */
export function bodyCap(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      c.header("Connection", "close");
      return apiError(
        c,
        413,
        "BODY_TOO_LARGE",
        `The body is larger than the ${Math.round(maxBytes / 1024)} KB the console takes.`,
      );
    },
  });
}
