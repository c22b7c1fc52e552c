import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { KiteTokenError } from "../errors.js";

/**
 * In order of preference. The headless shell first: the same Chromium without the desktop
 * browser around it, which costs about a quarter of the CPU per login (measured with many
 * accounts on a 2-core machine; see the README's Performance section). Debian packages it
 * as `chromium-headless-shell`, Google as `chrome-headless-shell`.
 */
export const SYSTEM_CHROMIUM_NAMES = [
  "chromium-headless-shell",
  "chrome-headless-shell",
  "chromium",
  "chromium-browser",
  "google-chrome",
  "google-chrome-stable",
];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface BrowserSource {
  executablePath: string;
  source: "BROWSER_PATH" | "PATH" | "playwright";
}

/**
 * Finds Chromium: BROWSER_PATH, else a system Chromium on the PATH, else the browser
 * Playwright downloaded for itself. Fails naming all three.
 */
export async function findChromium(
  browserPath: string | undefined,
  envPath: string | undefined = process.env["PATH"],
): Promise<BrowserSource> {
  if (browserPath) {
    if (isExecutable(browserPath)) return { executablePath: browserPath, source: "BROWSER_PATH" };
    throw new KiteTokenError(
      "BROWSER_NOT_FOUND",
      `BROWSER_PATH is set to ${browserPath}, which is not an executable file.`,
    );
  }
  for (const name of SYSTEM_CHROMIUM_NAMES) {
    const found = onPath(name, envPath);
    if (found) return { executablePath: found, source: "PATH" };
  }
  try {
    const { chromium } = await import("playwright-core");
    const own = chromium.executablePath();
    if (own && isExecutable(own)) return { executablePath: own, source: "playwright" };
  } catch {
    // No browser registered with Playwright: fall through to the error below.
  }
  throw new KiteTokenError(
    "BROWSER_NOT_FOUND",
    `No Chromium found: BROWSER_PATH is not set, none of ${SYSTEM_CHROMIUM_NAMES.join(", ")} is on the PATH, and Playwright has no browser of its own installed.`,
  );
}
