import type { Browser } from "playwright-core";
import { launchForLogin, type BrowserLoginOptions } from "./browser.js";
import { closeWithin } from "./launch.js";

const CLOSE_TIMEOUT_MS = 5000;

/**
 * One Chromium for a batch of logins (many accounts): launched on first use, relaunched
 * if it died, closed by `close()` so that no browser outlives the batch.
 */
export class SharedBrowser {
  #browser: Promise<Browser> | undefined;
  /** Logins' contexts still closing: the browser is closed after them. */
  readonly #closing = new Set<Promise<void>>();

  constructor(
    private readonly options: Pick<BrowserLoginOptions, "browserPath" | "noSandbox">,
    private readonly stepMs: number,
  ) {}

  async browser(): Promise<Browser> {
    // Set before any await: logins starting together share one launch.
    const pending = (this.#browser ??= this.#launch());
    const browser = await pending.catch(() => undefined);
    if (browser?.isConnected()) return browser;
    if (this.#browser === pending) this.#browser = this.#launch();
    return this.#browser;
  }

  /** A login's context being closed: the login answers at once, `close()` waits for it. */
  closing(closed: Promise<void>): void {
    this.#closing.add(closed);
    void closed.finally(() => this.#closing.delete(closed));
  }

  #launch(): Promise<Browser> {
    return launchForLogin(this.options, this.stepMs);
  }

  async close(): Promise<void> {
    // Forgotten before any await: a login starting now launches a new browser.
    const pending = this.#browser;
    this.#browser = undefined;
    const current = await pending?.catch(() => undefined);
    await Promise.all(this.#closing);
    if (current) await closeWithin(current, CLOSE_TIMEOUT_MS);
  }
}
