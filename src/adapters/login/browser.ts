import type { Browser, BrowserContext, Page } from "playwright-core";
import { aborted, KiteTokenError } from "../../core/errors.js";
import { unexpectedLoginFailure } from "./classify.js";
import { BrowserLoginFlow } from "./browser-flow.js";
import { findChromium } from "./chromium.js";
import { closeWithin, launchChromium } from "./launch.js";
import { HELD_PROGRESS } from "./post-gate.js";
import { RedirectCapture } from "./redirect-capture.js";
import type { LoginSelectors } from "../../config/selectors.js";
import type { LoginContext, LoginInput, LoginResult, LoginStrategy } from "./types.js";

const CLOSE_TIMEOUT_MS = 5000;

export interface BrowserLoginOptions {
  browserPath: string | undefined;
  /** Chromium's sandbox cannot run as root; default: off for root, on otherwise. */
  noSandbox: boolean | undefined;
  selectors?: LoginSelectors;
  /** Called when the login fails, before the browser closes: e.g. saves a screenshot. */
  onFailure?: (page: Page, code: string) => Promise<unknown>;
  /**
   * Many accounts: one browser for the batch, each login in its own isolated context
   * (closed after it). Without it, each login launches and closes its own Chromium.
   */
  shared?: {
    browser(): Promise<Browser>;
    /**
     * Takes a login's context while it closes: the login answers without waiting for
     * it, and closing the browser waits for it.
     */
    closing?(closed: Promise<void>): void;
  };
}

/** Finds Chromium (BROWSER_PATH, PATH, Playwright's own) and launches it for a login. */
export async function launchForLogin(
  options: Pick<BrowserLoginOptions, "browserPath" | "noSandbox">,
  stepMs: number,
): Promise<Browser> {
  const { executablePath } = await findChromium(options.browserPath);
  return launchChromium({
    executablePath,
    noSandbox: options.noSandbox,
    timeoutMs: stepMs,
  });
}

export class BrowserLogin implements LoginStrategy {
  readonly name = "browser" as const;

  constructor(private readonly options: BrowserLoginOptions) {}

  async login(input: LoginInput, context: LoginContext): Promise<LoginResult> {
    const halted = (): KiteTokenError => aborted("The login was stopped.", context.signal);
    if (context.signal?.aborted) throw halted();

    // What this login closes: its own browser, or its context in the shared one.
    let owned: Browser | BrowserContext | undefined;
    let page: Page | undefined;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      // Nothing to close yet (an abort during launch): the launch's own check closes it.
      if (!owned) return Promise.resolve();
      closing ??= closeWithin(owned, CLOSE_TIMEOUT_MS);
      return closing;
    };
    const onAbort = (): void => void close();
    context.signal?.addEventListener("abort", onAbort, { once: true });
    const { shared } = this.options;
    try {
      const browser = shared
        ? await shared.browser()
        : (owned = await launchForLogin(this.options, context.timeouts.stepMs));
      if (context.signal?.aborted) throw halted();
      const browserContext = await browser.newContext({ serviceWorkers: "block" });
      if (shared) owned = browserContext;
      if (context.signal?.aborted) throw halted();
      page = await browserContext.newPage();
      // The parent sends the configured ones; the defaults' reader (and zod) load only without.
      const selectors =
        this.options.selectors ?? (await import("../../config/selectors.js")).defaultSelectors();
      const capture = new RedirectCapture(input.redirectUrl, selectors, (event) => {
        context.onKitePost?.(event);
        if (event.kind === "held") context.onProgress?.(HELD_PROGRESS[event.step][event.reason]);
      });
      await capture.attach(page);
      const flow = new BrowserLoginFlow(page, capture, selectors, input, context);
      // A wait inside the flow may not notice the browser closing: stop at the abort itself.
      const stopped = new Promise<never>((_, reject) => {
        context.signal?.addEventListener("abort", () => reject(halted()), { once: true });
      });
      stopped.catch(() => undefined);
      return await Promise.race([flow.run(), stopped]);
    } catch (error) {
      if (context.signal?.aborted) throw halted();
      const failure = unexpectedLoginFailure(error);
      if (page && this.options.onFailure) {
        await this.options.onFailure(page, failure.code).catch(() => undefined);
      }
      throw failure;
    } finally {
      context.signal?.removeEventListener("abort", onAbort);
      const closed = close();
      // In a shared browser the next login need not wait for this context to close.
      if (shared?.closing) shared.closing(closed);
      else await closed;
    }
  }
}
