import path from "node:path";
import { createApp } from "../../runner/app.js";
import { loadConfig } from "../../config/load.js";
import { KiteTokenError } from "../../core/errors.js";
import { SecretRedactor } from "../../core/redact.js";
import { FileTokenStore } from "../../adapters/stores/file.js";
import { Output } from "../output.js";
import { cliLogger, type GlobalOptions } from "../context.js";
import { runRefresh } from "./refresh.js";

/** Where a run against the simulator keeps its state: never a real account's files. */
export function demoPaths(dir: string): Record<string, string> {
  return {
    STATE_FILE: path.join(dir, "state.json"),
    LOCK_FILE: path.join(dir, "refresh.lock"),
    ALERT_STATE_FILE: path.join(dir, "alerts.json"),
    ARTIFACTS_DIR: path.join(dir, "artifacts"),
  };
}

/**
 * The whole daily refresh against the built-in Kite simulator: real Chromium, real
 * TOTP, real exchange and verification, with public demo credentials.
 */
export async function demoCommand(
  global: GlobalOptions,
  options: { tokenFile?: string; json?: boolean },
): Promise<number> {
  const { startSimulator, simulatorSettings, DEMO_ACCOUNT, DEMO_APP } =
    await import("../../adapters/simulator/index.js");
  const redactor = new SecretRedactor();
  const out = new Output(redactor);
  // The demo's own settings replace any real ones, so it never touches a real account.
  const base = loadConfig({ overrides: { TOKEN_FILE: options.tokenFile } });
  const tokenFile = base.tokenFile;
  const existing = await new FileTokenStore(tokenFile).read().catch(() => undefined);
  if (existing && existing.api_key !== DEMO_APP.apiKey) {
    throw new KiteTokenError(
      "USAGE",
      `${tokenFile} holds a real token (app ${existing.api_key}); the demo will not overwrite it. Pass --token-file to save the demo token elsewhere.`,
    );
  }
  const sim = await startSimulator();
  try {
    if (!options.json) {
      out.line(
        `Kite simulator on ${sim.loginOrigin} (login) and ${sim.apiRoot} (API); demo user ${DEMO_ACCOUNT.userId}.`,
      );
    }
    const config = loadConfig({
      // Only the demo's file: the trader's other stores (Redis, CI secrets) are never touched,
      // nor the real account's run history, 2FA budget, lock, alert state or alerts.
      overrides: {
        ...simulatorSettings(sim),
        ...demoPaths(path.join(path.dirname(tokenFile), "demo")),
        TOKEN_FILE: tokenFile,
        TOKEN_STORES: `file:${tokenFile}`,
        ALERT_CHANNELS: "none",
      },
    });
    if (!options.json && config.loginStrategy !== "http") {
      // Found (and, when bundled, unpacked) here; the login's own lookup then finds it ready.
      const { describeBrowser, findChromium } = await import("../../adapters/login/chromium.js");
      out.line(`Browser: ${describeBrowser(await findChromium(config.browser.path))}.`);
    }
    const app = createApp(config, { redactor, logger: cliLogger(global, config, redactor) });
    const code = await runRefresh(
      { app, out, verbose: Boolean(global.verbose) },
      { force: true, json: Boolean(options.json) },
    );
    if (code === 0 && !options.json) {
      out.line(
        `The app's redirect URL (${sim.app.redirectUrl}) was never contacted: the request token was captured before reaching it.`,
      );
      out.line("Next: `kite-token status` shows the saved token.");
    }
    return code;
  } finally {
    await sim.close();
  }
}
