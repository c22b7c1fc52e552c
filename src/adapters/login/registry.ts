import { AutoLogin } from "./auto.js";
import { HostedBrowserLogin, HostedHttpLogin, type HostedLoginOptions } from "./host/hosted.js";
import { HttpLogin } from "./http.js";
import type { LoginStrategy, LoginStrategyName } from "./types.js";

export interface LoginStrategyOptions extends HostedLoginOptions {
  /** The HTTP login in the login host too (a long-running process stays small). */
  httpInHost?: boolean;
}

const http = (options: LoginStrategyOptions): LoginStrategy =>
  options.httpInHost ? new HostedHttpLogin(options.host) : new HttpLogin();

// The browser runs in the login host process, never in this one (see host/child.ts).
const STRATEGIES: Record<LoginStrategyName, (options: LoginStrategyOptions) => LoginStrategy> = {
  browser: (options) => new HostedBrowserLogin(options),
  http,
  // The HTTP login first: no browser to start, and it falls back to the browser when
  // Kite's endpoints changed; the browser cannot help after the account's own refusal.
  auto: (options) => new AutoLogin(http(options), new HostedBrowserLogin(options)),
};

/** The login strategy named by LOGIN_STRATEGY. */
export function createLoginStrategy(
  name: LoginStrategyName,
  options: LoginStrategyOptions,
): LoginStrategy {
  return STRATEGIES[name](options);
}
