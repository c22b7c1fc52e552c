import { describe, it } from "node:test";
import { expect } from "expect";
import {
  devtoolsUrlPattern,
  isAppRedirect,
  parseRequestToken,
  redirectMismatch,
} from "../../src/adapters/login/redirect.js";
import { buildLoginUrl } from "../../src/adapters/login/types.js";

const TOKEN = "Abc123XyZ789Abc123XyZ789Abc123Xy";

describe("parseRequestToken", () => {
  it("reads the whole callback URL from the address bar", () => {
    expect(
      parseRequestToken(
        `http://127.0.0.1:5000/callback?action=login&type=login&status=success&request_token=${TOKEN}`,
      ),
    ).toBe(TOKEN);
  });
  it("reads a bare token, a query string, and tolerates quotes and spaces", () => {
    expect(parseRequestToken(` ${TOKEN}\n`)).toBe(TOKEN);
    expect(parseRequestToken(`?status=success&request_token=${TOKEN}`)).toBe(TOKEN);
    expect(parseRequestToken(`request_token=${TOKEN}&action=login`)).toBe(TOKEN);
    expect(parseRequestToken(`"https://example.com/cb?request_token=${TOKEN}"`)).toBe(TOKEN);
  });
  it("rejects input without a token, a failed login, and junk, with a specific message", () => {
    expect(() => parseRequestToken("https://example.com/cb?status=success")).toThrow(
      /no request_token/,
    );
    expect(() =>
      parseRequestToken(`https://example.com/cb?status=cancelled&request_token=${TOKEN}`),
    ).toThrow(/status=cancelled/);
    expect(() => parseRequestToken("hello world")).toThrow(
      "That is neither a request token nor a callback URL containing request_token=: a request token is 8 to 64 letters and digits (Kite's are 32), and this one has 11 characters, some of them neither letters nor digits.",
    );
    expect(() => parseRequestToken("abc123")).toThrow(
      /8 to 64 letters and digits .* has 6 characters\.$/,
    );
    expect(() => parseRequestToken("")).toThrow(/No request token/);
    expect(() => parseRequestToken("request_token=a%20b")).toThrow(
      "The request_token in that URL is not one: a request token is 8 to 64 letters and digits (Kite's are 32), and this one has 3 characters, some of them neither letters nor digits.",
    );
  });
});

describe("redirect matching", () => {
  it("with a registered redirect URL, any navigation carrying request_token counts, and the URL itself", () => {
    const registered = "http://127.0.0.1:5000/kite/callback";
    expect(isAppRedirect(`${registered}?request_token=${TOKEN}`, registered)).toBe(true);
    expect(isAppRedirect(`${registered}?status=cancelled`, registered)).toBe(true);
    expect(isAppRedirect(`http://127.0.0.1:5000/other?request_token=${TOKEN}`, registered)).toBe(
      true,
    );
    expect(isAppRedirect("http://127.0.0.1:5000/other?status=success", registered)).toBe(false);
  });
  it("warns of a redirect elsewhere than KITE_REDIRECT_URL with origins and paths only", () => {
    const registered = "http://127.0.0.1:5000/kite/callback?x=1";
    expect(redirectMismatch("http://127.0.0.1:5000/kite/callback", registered)).toBeUndefined();
    expect(redirectMismatch(undefined, registered)).toBeUndefined();
    expect(redirectMismatch("https://app.example/cb", undefined)).toBeUndefined();
    expect(redirectMismatch("https://app.example/cb", registered)).toBe(
      "Kite redirected to https://app.example/cb, but KITE_REDIRECT_URL is http://127.0.0.1:5000/kite/callback; update it (the token was caught all the same).",
    );
  });
  it("without one, any navigation carrying request_token counts", () => {
    expect(isAppRedirect(`https://anywhere.example/x?request_token=${TOKEN}`, undefined)).toBe(
      true,
    );
    expect(isAppRedirect("https://kite.zerodha.com/connect/finish?sess_id=1", undefined)).toBe(
      false,
    );
  });
  it("escapes DevTools wildcards in the pattern", () => {
    expect(devtoolsUrlPattern("http://h/a?b*c")).toBe("http://h/a\\?b\\*c*");
  });
  it("builds the login URL with v=3 and the api key", () => {
    expect(buildLoginUrl("https://kite.zerodha.com/connect/login", "key1")).toBe(
      "https://kite.zerodha.com/connect/login?v=3&api_key=key1",
    );
  });
});
