import { selectAccount } from "../../accounts/batch.js";
import { buildLoginUrl } from "../../login/types.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_OK } from "../output.js";

/** The login URL; with an accounts file, the named account's, or one `[id] URL` line each. */
export async function loginUrlCommand(
  global: GlobalOptions,
  options: { account?: string } = {},
): Promise<number> {
  const { app: base, out } = commandContext(global, { require: ["apiKey"] });
  const list = base.config.accounts.list;
  if (list && options.account === undefined) {
    for (const { id, loginUrl, credentials } of list)
      out.line(
        `[${id}] ${buildLoginUrl(loginUrl ?? base.config.kite.loginUrl, credentials.apiKey)}`,
      );
    await base.close();
    return EXIT_OK;
  }
  const app = selectAccount(base, options.account);
  out.line(buildLoginUrl(app.config.kite.loginUrl, app.config.kite.apiKey ?? ""));
  if (app !== base) await app.close();
  await base.close();
  return EXIT_OK;
}
