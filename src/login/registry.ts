import { AutoLogin } from "./auto.js";
import { HostedBrowserLogin, type HostedLoginOptions } from "./host/hosted.js";
import { HttpLogin } from "./http.js";
import type { LoginStrategy, LoginStrategyName } from "./types.js";

export type LoginStrategyOptions = HostedLoginOptions;

// The browser runs in the login host process, never in this one (see host/child.ts).
const STRATEGIES: Record<LoginStrategyName, (options: LoginStrategyOptions) => LoginStrategy> = {
  browser: (options) => new HostedBrowserLogin(options),
  http: () => new HttpLogin(),
  // The HTTP login first: no browser to start, and it falls back to the browser when
  // Kite's endpoints changed; the browser cannot help after the account's own refusal.
  auto: (options) => new AutoLogin(new HttpLogin(), new HostedBrowserLogin(options)),
};

/** The login strategy named by LOGIN_STRATEGY. */
export function createLoginStrategy(
  name: LoginStrategyName,
  options: LoginStrategyOptions,
): LoginStrategy {
  return STRATEGIES[name](options);
}
