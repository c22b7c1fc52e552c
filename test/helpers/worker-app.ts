import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createApp, type App } from "../../src/runner/app.js";
import { loadConfig } from "../../src/config/load.js";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { startWorkerService, type WorkerService } from "../../src/worker/service.js";
import { fastAppClock, tempDir } from "./setup.js";
import { until } from "./worker-process.js";

/** A schedule that never fires during a test (1 January, midnight). */
export const NEVER = "0 0 1 1 *";

/** An app configured from variables against the simulator, with its files in a fresh folder. */
export function workerApp(
  sim: Simulator,
  extra: Record<string, string> = {},
): { app: App; dir: string } {
  const dir = tempDir("kt-worker-app-");
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      ...simulatorSettings(sim),
      TOKEN_FILE: path.join(dir, "token.json"),
      SCHEDULE: NEVER,
      RETRY_DEADLINE: "23:59",
      RETRY_MAX: "5",
      ALERT_DEADLINE: "off",
      PORT: "0",
      ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
      ...extra,
    },
  });
  // Every wait skipped: the TOTP windows, the retries, the alert channels' tries.
  return { app: createApp(config, { logLevel: "silent", clock: fastAppClock() }), dir };
}

/** The worker as `kite-token worker` builds it, with every wait shortened. */
export function startTestWorker(app: App): Promise<WorkerService> {
  return startWorkerService(app);
}

/** Polls until the condition holds, or fails the test. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  ms = 120_000,
): Promise<void> {
  if (!(await until(condition, ms))) throw new Error(`timed out waiting for ${what}`);
}

/** The access token saved in a folder's token file, if any. */
export function savedAccessToken(dir: string): string | undefined {
  const file = path.join(dir, "token.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { access_token?: string }).access_token;
}
