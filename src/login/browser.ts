import type { Browser, Page } from "playwright-core";
import { KiteTokenError, isKiteTokenError } from "../errors.js";
import { BrowserLoginFlow } from "./browser-flow.js";
import { findChromium } from "./chromium.js";
import { closeWithin, launchChromium } from "./launch.js";
import { RedirectCapture } from "./redirect-capture.js";
import { defaultSelectors, type LoginSelectors } from "./selectors.js";
import type { LoginContext, LoginInput, LoginResult, LoginStrategy } from "./types.js";

const CLOSE_TIMEOUT_MS = 5000;

export interface BrowserLoginOptions {
  browserPath: string | undefined;
  /** Chromium's sandbox cannot run as root; default: off for root, on otherwise. */
  noSandbox: boolean | undefined;
  selectors?: LoginSelectors;
  /** Added to Chromium's command line as `--kite-token-run=<tag>`, to find its processes. */
  runTag?: string;
  /** Called when the login fails, before the browser closes: e.g. saves a screenshot. */
  onFailure?: (page: Page, code: string) => Promise<unknown>;
}

export class BrowserLogin implements LoginStrategy {
  readonly name = "browser" as const;

  constructor(private readonly options: BrowserLoginOptions) {}

  async login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    const { executablePath } = await findChromium(this.options.browserPath);
    const aborted = (): KiteTokenError =>
      new KiteTokenError("ABORTED", "The login was stopped.", { cause: context.signal?.reason });
    if (context.signal?.aborted) throw aborted();

    let browser: Browser | undefined;
    let page: Page | undefined;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      // Nothing to close yet (an abort during launch): the launch's own check closes it.
      if (!browser) return Promise.resolve();
      closing ??= closeWithin(browser, CLOSE_TIMEOUT_MS);
      return closing;
    };
    const onAbort = (): void => void close();
    context.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      browser = await launchChromium({
        executablePath,
        noSandbox: this.options.noSandbox,
        runTag: this.options.runTag,
        timeoutMs: context.timeouts.stepMs,
      });
      if (context.signal?.aborted) throw aborted();
      const browserContext = await browser.newContext({ serviceWorkers: "block" });
      page = await browserContext.newPage();
      const selectors = this.options.selectors ?? defaultSelectors();
      const capture = new RedirectCapture(input.redirectUrl, selectors.twofaUrlPattern);
      await capture.attach(page);
      const flow = new BrowserLoginFlow(page, capture, selectors, input, context);
      // A wait inside the flow may not notice the browser closing: stop at the abort itself.
      const stopped = new Promise<never>((_, reject) => {
        context.signal?.addEventListener("abort", () => reject(aborted()), { once: true });
      });
      stopped.catch(() => undefined);
      return await Promise.race([flow.run(), stopped]);
    } catch (error) {
      if (context.signal?.aborted) throw aborted();
      const failure = isKiteTokenError(error)
        ? error
        : new KiteTokenError("BROWSER_FAILED", "Chromium failed during the login.", {
            cause: error,
          });
      if (page && this.options.onFailure) {
        await this.options.onFailure(page, failure.code).catch(() => undefined);
      }
      throw failure;
    } finally {
      context.signal?.removeEventListener("abort", onAbort);
      await close();
    }
  }
}
