import { KiteTokenError } from "../../core/errors.js";

const BARE_TOKEN = /^[A-Za-z0-9]{8,64}$/;
/** The rule, as said to a person: what a request token looks like. */
const TOKEN_RULE = "a request token is 8 to 64 letters and digits (Kite's are 32)";

/** What is wrong with the shape of a would-be token, without repeating it. */
function shapeOf(text: string): string {
  const others = /[^A-Za-z0-9]/.test(text) ? ", some of them neither letters nor digits" : "";
  return `this one has ${text.length} character${text.length === 1 ? "" : "s"}${others}`;
}

/**
 * Reads a request token from what a person pasted: the whole callback URL from the
 * address bar, its query string, or the bare token.
 */
export function parseRequestToken(input: string): string {
  const text = input.trim().replace(/^["'<]+|["'>]+$/g, "");
  if (text === "")
    throw new KiteTokenError("INPUT_INVALID", "No request token or callback URL was given.");
  if (BARE_TOKEN.test(text)) return text;

  let params: URLSearchParams;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new KiteTokenError("INPUT_INVALID", "That looks like a URL but it cannot be parsed.");
    }
    params = url.searchParams;
  } else if (text.includes("=")) {
    params = new URLSearchParams(text.replace(/^[?#]/, ""));
  } else {
    throw new KiteTokenError(
      "INPUT_INVALID",
      `That is neither a request token nor a callback URL containing request_token=: ${TOKEN_RULE}, and ${shapeOf(text)}.`,
    );
  }
  const status = params.get("status");
  if (status !== null && status !== "success") {
    throw new KiteTokenError(
      "INPUT_INVALID",
      `The callback says the login did not succeed (status=${status}).`,
    );
  }
  const token = params.get("request_token");
  if (!token)
    throw new KiteTokenError("INPUT_INVALID", "The callback URL has no request_token parameter.");
  if (!BARE_TOKEN.test(token)) {
    throw new KiteTokenError(
      "INPUT_INVALID",
      `The request_token in that URL is not one: ${TOKEN_RULE}, and ${shapeOf(token)}.`,
    );
  }
  return token;
}

/** Escapes a URL for a Chrome DevTools Fetch pattern (`*` and `?` are wildcards there). */
export function devtoolsUrlPattern(prefix: string): string {
  return `${prefix.replace(/[\\*?]/g, (c) => `\\${c}`)}*`;
}

/** A URL's origin and path: what is said of a redirect (never its query, which holds the token). */
export function originAndPath(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/**
 * Whether a navigation is the app redirect: any URL carrying a request_token, wherever it
 * points (a KITE_REDIRECT_URL that differs from the app's is told afterwards, not waited
 * out), or the registered URL itself (Kite's redirect there without a token says why).
 */
export function isAppRedirect(url: string, redirectUrl: string | undefined): boolean {
  const target = new URL(url);
  if (target.searchParams.has("request_token")) return true;
  return redirectUrl !== undefined && originAndPath(url) === originAndPath(redirectUrl);
}

/** The warning for a redirect elsewhere than KITE_REDIRECT_URL, or undefined when they agree. */
export function redirectMismatch(
  redirectedTo: string | undefined,
  redirectUrl: string | undefined,
): string | undefined {
  if (redirectedTo === undefined || redirectUrl === undefined) return undefined;
  const configured = originAndPath(redirectUrl);
  if (originAndPath(redirectedTo) === configured) return undefined;
  return `Kite redirected to ${originAndPath(redirectedTo)}, but KITE_REDIRECT_URL is ${configured}; update it (the token was caught all the same).`;
}

/** The request token of the app redirect Kite sent, or the reason there is none. */
export function requestTokenFrom(redirect: string): string {
  const url = new URL(redirect);
  const token = url.searchParams.get("request_token");
  if (token) return token;
  const status = url.searchParams.get("status") ?? "unknown";
  throw new KiteTokenError(
    "REDIRECT_TIMEOUT",
    `Kite redirected to the app without a request token (status=${status}).`,
  );
}
