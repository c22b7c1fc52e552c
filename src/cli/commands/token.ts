import { KiteTokenError } from "../../errors.js";
import { usableToken } from "../../consumer/token.js";
import { commandContext, type GlobalOptions } from "../context.js";
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
  global: GlobalOptions,
  options: { json?: boolean; env?: boolean },
): Promise<number> {
  if (options.json && options.env) {
    throw new KiteTokenError("USAGE", "Choose one of --json and --env.");
  }
  const { app } = commandContext(global);
  try {
    const record = usableToken(await app.store.read(), app.store.primary.name);
    // Written straight to stdout: this output is the token, on purpose.
    if (options.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else if (options.env) {
      const vars = {
        KITE_ACCESS_TOKEN: record.access_token,
        KITE_USER_ID: record.user_id,
        KITE_API_KEY: record.api_key,
      };
      for (const [name, value] of Object.entries(vars))
        process.stdout.write(`${name}=${shellQuote(value)}\n`);
    } else process.stdout.write(`${record.access_token}\n`);
    return EXIT_OK;
  } finally {
    await app.close();
  }
}
