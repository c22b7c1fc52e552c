import { selectAccount } from "../../accounts/batch.js";
import { exchangeForApp } from "../../app.js";
import { parseRequestToken } from "../../login/redirect.js";
import { formatIstShort } from "../../time.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { EXIT_OK, exitCodeFor, printStoreWarnings, stepPrinter } from "../output.js";

export async function exchangeCommand(
  global: GlobalOptions,
  input: string,
  options: { json?: boolean; account?: string },
): Promise<number> {
  const requestToken = parseRequestToken(input);
  const ctx = commandContext(global, { require: ["apiKey", "apiSecret"] });
  const { out } = ctx;
  let app = ctx.app;
  try {
    // Many accounts: the token is exchanged with the named account's app and saved for it.
    app = selectAccount(ctx.app, options.account);
    const record = await exchangeForApp(
      app,
      requestToken,
      options.json ? undefined : stepPrinter(out),
    );
    if (options.json)
      out.json({
        status: "exchanged",
        user_id: record.user_id,
        expires_at: record.expires_at,
        store: app.store.name,
      });
    else
      out.line(
        `Token saved for ${record.user_id}, valid until ${formatIstShort(new Date(record.expires_at))}, in ${app.store.name}.`,
      );
    printStoreWarnings(out, app.store.lastReport);
    return EXIT_OK;
  } catch (error) {
    out.failure(error, ctx.verbose);
    return exitCodeFor(error);
  } finally {
    await app.close();
    if (app !== ctx.app) await ctx.app.close();
  }
}
