import { createApp, type App } from "../../runner/app.js";
import { LOGIN_CREDENTIALS, loadConfig } from "../../config/load.js";
import { SecretRedactor } from "../../core/redact.js";
import { startWorkerService } from "../../worker/service.js";
import type { GlobalOptions } from "../context.js";
import { EXIT_OK } from "../output.js";

/** How often a worker started by npm or npx checks that its launcher is still there. */
const LAUNCHER_POLL_MS = 1000;

/** The worker must be gone this long after SIGTERM, whatever is in flight. */
const STOP_LIMIT_MS = 9000;

/** Every account's worker, as the command sees it. */
function startService(app: App): Promise<{ busy: boolean; stop(reason: string): Promise<void> }> {
  const { config } = app;
  // The service logs each account (id, user id, store, state file, lock): never a secret.
  return startWorkerService(app, {
    summary: {
      ...(config.accounts.file ? { accounts_file: config.accounts.file } : {}),
      alert_channels: config.alerts.channels,
      console: config.server.enabled,
    },
  });
}

/** `kite-token worker`: runs until SIGTERM or SIGINT, refreshing on schedule. */
export async function workerCommand(global: GlobalOptions): Promise<number> {
  const redactor = new SecretRedactor();
  const config = loadConfig({ require: LOGIN_CREDENTIALS });
  // Long-running: every login and Kite call in the login host, so the idle worker stays small.
  const app = createApp(config, {
    redactor,
    kiteInHost: true,
    ...(global.verbose ? { logLevel: "debug" } : {}),
  });
  const service = await startService(app);
  const signal = await new Promise<NodeJS.Signals | "launcher gone">((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
    // Started by npm or npx (`npm start`, `npx kite-token worker`): their shell passes a
    // SIGTERM on by dying, so a worker whose launcher is gone stops as if told to, rather
    // than running on, orphaned, firing on schedule beside the next one.
    if (process.env["npm_command"] !== undefined) {
      const launcher = process.ppid;
      setInterval(() => {
        if (process.ppid !== launcher) resolve("launcher gone");
      }, LAUNCHER_POLL_MS).unref();
    }
  });
  app.logger.info({ signal, in_flight: service.busy }, "worker stopping");
  setTimeout(() => {
    app.logger.error({ signal }, "worker did not stop in time; exiting");
    process.exit(1);
  }, STOP_LIMIT_MS).unref();
  await service.stop(signal);
  await app.close();
  app.logger.info({ signal }, "worker stopped");
  // Nothing should keep the process alive now; if something does, it must not delay exit.
  setTimeout(() => process.exit(EXIT_OK), 1000).unref();
  return EXIT_OK;
}
