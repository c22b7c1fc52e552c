import { buildLoginUrl } from "../../login/types.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_OK } from "../output.js";

export function loginUrlCommand(global: GlobalOptions): number {
  const { app, out } = commandContext(global, { require: ["apiKey"] });
  out.line(buildLoginUrl(app.config.kite.loginUrl, app.config.kite.apiKey ?? ""));
  return EXIT_OK;
}
