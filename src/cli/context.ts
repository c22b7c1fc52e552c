import { createApp, type App, type AppOptions } from "../app.js";
import { loadConfig, type LoadOptions } from "../config/load.js";
import { SecretRedactor } from "../redact.js";
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

export function commandContext(
  global: GlobalOptions,
  load: LoadOptions = {},
  options: Pick<AppOptions, "kiteInHost"> = {},
): CommandContext {
  const redactor = new SecretRedactor();
  const out = new Output(redactor);
  const config = loadConfig(load);
  // The CLI prints its own steps and one-line errors; logs join in only when asked for.
  const logLevel = global.verbose ? "debug" : process.env["LOG_LEVEL"] ? config.logLevel : "error";
  const app = createApp(config, { redactor, logLevel, ...options });
  return { app, out, verbose: Boolean(global.verbose) };
}
