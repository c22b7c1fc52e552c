import { KiteTokenError } from "../errors.js";

const BARE_TOKEN = /^[A-Za-z0-9]{8,64}$/;

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
      "That is neither a request token (letters and digits) nor a callback URL containing request_token=.",
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
      "The request_token in that URL is not letters and digits.",
    );
  }
  return token;
}

/** Escapes a URL for a Chrome DevTools Fetch pattern (`*` and `?` are wildcards there). */
export function devtoolsUrlPattern(prefix: string): string {
  return `${prefix.replace(/[\\*?]/g, (c) => `\\${c}`)}*`;
}

/** Whether a navigation is the app redirect: to the registered URL if known, else any URL with a request_token. */
export function isAppRedirect(url: string, redirectUrl: string | undefined): boolean {
  if (redirectUrl !== undefined) {
    const target = new URL(url);
    const expected = new URL(redirectUrl);
    return target.origin === expected.origin && target.pathname === expected.pathname;
  }
  return new URL(url).searchParams.has("request_token");
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
