import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { KiteTokenError } from "../../core/errors.js";
import {
  BUNDLED_PACKAGE,
  bundledPackage,
  unpackedBundledChromium,
  type BundledPackage,
} from "./bundled-chromium.js";

/**
 * The system's headless shells: the same Chromium without the desktop browser around it,
 * which costs about a quarter of the CPU per login (measured with many accounts on a
 * 2-core machine; see the README's Performance section). Debian packages it as
 * `chromium-headless-shell`, Google as `chrome-headless-shell`.
 */
export const SYSTEM_HEADLESS_SHELLS = ["chromium-headless-shell", "chrome-headless-shell"];

/** The system's full browsers, after the headless shells. */
export const SYSTEM_BROWSERS = [
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

/** Every system name looked for on the PATH, in order of preference. */
export const SYSTEM_CHROMIUM_NAMES = [...SYSTEM_HEADLESS_SHELLS, ...SYSTEM_BROWSERS];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(names: string[], envPath: string | undefined): string | undefined {
  for (const name of names) {
    for (const dir of (envPath ?? "").split(path.delimiter)) {
      if (!dir) continue;
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Where the browser came from, in the order they are looked for. */
export type BrowserKind =
  "BROWSER_PATH" | "system-headless-shell" | "system-chromium" | "playwright" | "bundled";

export interface BrowserSource {
  executablePath: string;
  source: BrowserKind;
}

export interface FindOptions {
  /** The bundled package, if installed (default: the one npm installed). */
  bundled?: () => BundledPackage | undefined;
  /** Where the bundled browser is unpacked (default: a private folder in the OS temp folder). */
  cacheRoot?: string;
}

/** How `doctor` and the demo name the browser: its path and where it came from. */
export function describeBrowser(found: BrowserSource): string {
  const kind: Record<BrowserKind, string> = {
    BROWSER_PATH: "from BROWSER_PATH",
    "system-headless-shell": "system headless shell",
    "system-chromium": "system Chromium",
    playwright: "Playwright's own browser",
    bundled: `bundled: ${BUNDLED_PACKAGE} from npm`,
  };
  return `${found.executablePath} (${kind[found.source]})`;
}

/**
 * Finds Chromium: BROWSER_PATH; else the system's headless shell, then its full
 * Chromium or Chrome, on the PATH; else the browser Playwright downloaded for itself;
 * else the one `npm ci` brought (unpacked on first use). Fails naming every place.
 */
export async function findChromium(
  browserPath: string | undefined,
  envPath: string | undefined = process.env["PATH"],
  options: FindOptions = {},
): Promise<BrowserSource> {
  if (browserPath) {
    if (isExecutable(browserPath)) return { executablePath: browserPath, source: "BROWSER_PATH" };
    throw new KiteTokenError(
      "BROWSER_NOT_FOUND",
      `BROWSER_PATH is set to ${browserPath}, which is not an executable file.`,
    );
  }
  const shell = onPath(SYSTEM_HEADLESS_SHELLS, envPath);
  if (shell) return { executablePath: shell, source: "system-headless-shell" };
  const full = onPath(SYSTEM_BROWSERS, envPath);
  if (full) return { executablePath: full, source: "system-chromium" };
  try {
    const { chromium } = await import("playwright-core");
    const own = chromium.executablePath();
    if (own && isExecutable(own)) return { executablePath: own, source: "playwright" };
  } catch {
    // No browser registered with Playwright: look for the bundled one.
  }
  const bundled = (options.bundled ?? bundledPackage)();
  if (bundled) {
    return {
      executablePath: await unpackedBundledChromium(bundled, options.cacheRoot),
      source: "bundled",
    };
  }
  throw new KiteTokenError(
    "BROWSER_NOT_FOUND",
    `No Chromium found: BROWSER_PATH is not set, none of ${SYSTEM_CHROMIUM_NAMES.join(", ")} is on the PATH, Playwright has no browser of its own installed, and the bundled Chromium (${BUNDLED_PACKAGE}, an optional dependency npm installs on Node 22 or later) is not installed.`,
  );
}
