import { describe, it } from "node:test";
import { expect } from "expect";
import { devtoolsUrlPattern, isAppRedirect, parseRequestToken } from "../../src/login/redirect.js";
import { buildLoginUrl } from "../../src/login/types.js";

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
    expect(() => parseRequestToken("hello world")).toThrow(/neither a request token/);
    expect(() => parseRequestToken("")).toThrow(/No request token/);
    expect(() => parseRequestToken("request_token=a%20b")).toThrow(/not letters and digits/);
  });
});

describe("redirect matching", () => {
  it("with a registered redirect URL, only a navigation to it counts", () => {
    const registered = "http://127.0.0.1:5000/kite/callback";
    expect(isAppRedirect(`${registered}?request_token=${TOKEN}`, registered)).toBe(true);
    expect(isAppRedirect(`http://127.0.0.1:5000/other?request_token=${TOKEN}`, registered)).toBe(
      false,
    );
    expect(
      isAppRedirect(`http://127.0.0.1:5001/kite/callback?request_token=${TOKEN}`, registered),
    ).toBe(false);
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
