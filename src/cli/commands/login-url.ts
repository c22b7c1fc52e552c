import { closeAccounts, selectAccounts } from "../../runner/accounts/model.js";
import { buildLoginUrl } from "../../adapters/login/types.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_OK } from "../output.js";

/** The login URL of every account (or `--account ID`); several accounts get `[id] URL` lines. */
export async function loginUrlCommand(
  global: GlobalOptions,
  options: { account?: string } = {},
): Promise<number> {
  const { app: base, out } = commandContext(global, { require: ["apiKey"] });
  try {
    const accounts = selectAccounts(base, options.account);
    for (const { app, id } of accounts) {
      const url = buildLoginUrl(app.config.kite.loginUrl, app.config.kite.apiKey ?? "");
      out.line(accounts.length > 1 ? `[${id}] ${url}` : url);
    }
    await closeAccounts(base, accounts);
    return EXIT_OK;
  } finally {
    await base.close();
  }
}
