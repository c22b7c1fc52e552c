import { createApp, type App, type AppOptions } from "../runner/app.js";
import { loadConfig, type LoadOptions } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { createLogger, type Logger } from "../core/log.js";
import { SecretRedactor } from "../core/redact.js";
import { Output } from "./output.js";

export interface GlobalOptions {
  verbose?: boolean;
}

/** What every command gets: the configuration-built app and a redacting output. */
export interface CommandContext {
  app: App;
  out: Output;
  verbose: boolean;
}

/**
 * The CLI prints its own steps and one-line errors; logs join in only when asked for
 * (--verbose, LOG_LEVEL). Otherwise only errors, each as one plain line among the
 * output (an alert that could not be sent, say), never a raw JSON log line.
 */
export function cliLogger(global: GlobalOptions, config: Config, redactor: SecretRedactor): Logger {
  if (global.verbose) return createLogger({ level: "debug", redactor });
  if (process.env["LOG_LEVEL"]) return createLogger({ level: config.logLevel, redactor });
  return createLogger({ level: "error", redactor, lines: true });
}

export function commandContext(
  global: GlobalOptions,
  load: LoadOptions = {},
  options: Pick<AppOptions, "kiteInHost" | "loginHost"> = {},
): CommandContext {
  const redactor = new SecretRedactor();
  const out = new Output(redactor);
  const config = loadConfig(load);
  const app = createApp(config, {
    redactor,
    logger: cliLogger(global, config, redactor),
    ...options,
  });
  return { app, out, verbose: Boolean(global.verbose) };
}
