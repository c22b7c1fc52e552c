import { AutoLogin } from "./auto.js";
import { BrowserLogin, type BrowserLoginOptions } from "./browser.js";
import { HttpLogin } from "./http.js";
import type { LoginStrategy, LoginStrategyName } from "./types.js";

export type LoginStrategyOptions = BrowserLoginOptions;

const STRATEGIES: Record<LoginStrategyName, (options: LoginStrategyOptions) => LoginStrategy> = {
  browser: (options) => new BrowserLogin(options),
  http: () => new HttpLogin(),
  // The HTTP login first: no browser to start, and it falls back to the browser when
  // Kite's endpoints changed; the browser cannot help after the account's own refusal.
  auto: (options) => new AutoLogin(new HttpLogin(), new BrowserLogin(options)),
};

/** The login strategy named by LOGIN_STRATEGY. */
export function createLoginStrategy(
  name: LoginStrategyName,
  options: LoginStrategyOptions,
): LoginStrategy {
  return STRATEGIES[name](options);
}
