import type { LoginSelectors } from "../selectors.js";
import type { LoginContext, LoginInput, LoginResult, LoginStrategy } from "../types.js";
import type { BrowserHost } from "./client.js";

export interface HostedLoginOptions {
  host: BrowserHost;
  browserPath: string | undefined;
  /** Chromium's sandbox cannot run as root; default: off for root, on otherwise. */
  noSandbox: boolean | undefined;
  selectors?: LoginSelectors;
  /** Added to Chromium's command line as `--kite-token-run=<tag>`, to find its processes. */
  runTag?: string;
  /** A failed login's screenshot and page: where, what to scrub, and who is told the files. */
  evidence?: { dir: string; secrets: () => string[]; onFiles?: (files: string[]) => void };
}

/**
 * LOGIN_STRATEGY=browser: the browser login, run in the login host process (see
 * `child.ts`) so that this process never loads Playwright.
 */
export class HostedBrowserLogin implements LoginStrategy {
  readonly name = "browser" as const;

  constructor(private readonly options: HostedLoginOptions) {}

  login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    const { host, evidence, browserPath, noSandbox, selectors, runTag } = this.options;
    return host.login({
      input,
      context,
      options: {
        browserPath,
        noSandbox,
        selectors,
        runTag,
        evidence: evidence ? { dir: evidence.dir, secrets: evidence.secrets() } : undefined,
      },
      ...(evidence?.onFiles ? { onEvidence: evidence.onFiles } : {}),
    });
  }
}
