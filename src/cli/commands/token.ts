import { KiteTokenError } from "../../core/errors.js";
import { readToken } from "../../consumer/index.js";
import type { GlobalOptions } from "../context.js";
import { EXIT_OK } from "../output.js";

/** A value quoted for POSIX shells: single quotes, with `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Prints the saved token for scripts and bots in other languages: the bare token, the
 * record as JSON, or `eval`-able shell assignments. The one command that prints a token.
 */
export async function tokenCommand(
  _global: GlobalOptions,
  options: { json?: boolean; env?: boolean; account?: string },
): Promise<number> {
  if (options.json && options.env) {
    throw new KiteTokenError("USAGE", "Choose one of --json and --env.");
  }
  // The library's own reader: only the store settings, so the refresher's other settings
  // (alerts, console, logins) never keep a bot from its token.
  const record = await readToken(options.account === undefined ? {} : { account: options.account });
  // Written straight to stdout: this output is the token, on purpose.
  if (options.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else if (options.env) {
    const vars = {
      KITE_ACCESS_TOKEN: record.access_token,
      KITE_USER_ID: record.user_id,
      KITE_API_KEY: record.api_key,
    };
    for (const [name, value] of Object.entries(vars))
      // Exported: the README's `eval "$(kite-token token --env)"; python my_bot.py` hands
      // them to the bot, a child of that shell.
      process.stdout.write(`export ${name}=${shellQuote(value)}\n`);
  } else process.stdout.write(`${record.access_token}\n`);
  return EXIT_OK;
}
