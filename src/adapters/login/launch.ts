import type { Browser } from "playwright-core";
import { KiteTokenError } from "../../core/errors.js";
import { browserEnv } from "./browser-env.js";

/**
 * Flags that keep a headless login lean and quiet on a closed network. No
 * `--disable-features` here: Playwright passes its own list (media router, optimization
 * hints, paint holding, the cross-origin redirect restart that breaks Fetch interception
 * in Chromium 155 and later…) and Chromium reads only the last such switch, so a list of
 * ours would switch all of Playwright's back on.
 */
const LEAN_ARGS = [
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
  "--mute-audio",
];

/** Starting Chromium on a loaded machine can take seconds; it is not a page step. */
export const LAUNCH_TIMEOUT_MS = 30_000;

export interface LaunchOptions {
  executablePath: string;
  /** Chromium's sandbox cannot run as root; default: off for root, on otherwise. */
  noSandbox: boolean | undefined;
  timeoutMs: number;
}

/**
 * The kite-token process a Chromium works for, on its command line as
 * `--kite-token-owner=<pid>` (`ps` tells whose it is, and a leftover is found even once
 * reparented): this process, or, in the login host, the process it runs logins for.
 */
let owner = process.pid;

export function ownChromiumFor(pid: number): void {
  owner = pid;
}

/** Starts headless Chromium as the login uses it; BROWSER_FAILED when it does not start. */
export async function launchChromium(options: LaunchOptions): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const noSandbox = options.noSandbox ?? process.getuid?.() === 0;
  try {
    return await chromium.launch({
      executablePath: options.executablePath,
      headless: true,
      chromiumSandbox: !noSandbox,
      args: [...LEAN_ARGS, `--kite-token-owner=${owner}`],
      // Chromium and its renderers get only what a browser needs from this environment.
      env: browserEnv(),
      timeout: Math.max(options.timeoutMs, LAUNCH_TIMEOUT_MS),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    throw new KiteTokenError(
      "BROWSER_FAILED",
      `Chromium at ${options.executablePath} did not start.`,
      { cause: error },
    );
  }
}

/** Closes the browser, giving up after `ms` (a hung browser must not hang the caller). */
export async function closeWithin(browser: { close(): Promise<void> }, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    browser.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
