import type { KiteApiOptions, KiteCalls } from "../../kite/api.js";
import type { LoginSelectors } from "../../../config/selectors.js";
import type { LoginContext, LoginInput, LoginResult, LoginStrategy } from "../types.js";
import type { BrowserHost } from "./client.js";

export interface HostedLoginOptions {
  host: BrowserHost;
  browserPath: string | undefined;
  /** Chromium's sandbox cannot run as root; default: off for root, on otherwise. */
  noSandbox: boolean | undefined;
  selectors?: LoginSelectors;
  /** A failed login's screenshot and page: where, and what to scrub (the login's context is told the files). */
  evidence?: { dir: string; secrets: () => string[] };
}

/**
 * LOGIN_STRATEGY=browser: the browser login, run in the login host process (see
 * `child.ts`) so that this process never loads Playwright.
 */
export class HostedBrowserLogin implements LoginStrategy {
  readonly name = "browser" as const;

  constructor(private readonly options: HostedLoginOptions) {}

  prepare(timeouts: LoginContext["timeouts"]): void {
    const { host, browserPath, noSandbox } = this.options;
    host.warm({ browserPath, noSandbox }, timeouts.stepMs);
  }

  release(): void {
    this.options.host.cool();
  }

  login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    const { host, evidence, browserPath, noSandbox, selectors } = this.options;
    return host.login({
      strategy: "browser",
      input,
      context,
      options: {
        browserPath,
        noSandbox,
        selectors,
        evidence: evidence ? { dir: evidence.dir, secrets: evidence.secrets() } : undefined,
      },
    });
  }
}

/**
 * LOGIN_STRATEGY=http in a long-running process: the HTTP login run in the login host, so
 * that its cookie jar and TOTP library do not stay in this process between runs.
 */
export class HostedHttpLogin implements LoginStrategy {
  readonly name = "http" as const;

  constructor(private readonly host: BrowserHost) {}

  login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    return this.host.login({
      strategy: "http",
      input,
      context,
      options: { browserPath: undefined, noSandbox: undefined },
    });
  }
}

/**
 * The Kite API calls of a long-running process, made by the official client in the login
 * host: the client (and axios) is loaded there, never in this process.
 */
export class HostedKiteApi implements KiteCalls {
  constructor(
    private readonly host: BrowserHost,
    private readonly api: KiteApiOptions,
  ) {}

  exchange(requestToken: string, apiSecret: string): ReturnType<KiteCalls["exchange"]> {
    return this.host.kite(this.api, "exchange", requestToken, apiSecret);
  }

  verify(accessToken: string): ReturnType<KiteCalls["verify"]> {
    return this.host.kite(this.api, "verify", accessToken);
  }

  invalidate(accessToken: string): ReturnType<KiteCalls["invalidate"]> {
    return this.host.kite(this.api, "invalidate", accessToken);
  }
}
