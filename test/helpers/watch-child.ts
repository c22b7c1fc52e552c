/**
 * A bot in another process: watches the token through the library entry point and
 * prints one JSON line per token it is given (with when it got it).
 */
import { watchToken } from "../../src/index.js";

// `node --test build/test/` loads every file here: only run when started as the bot.
if (process.argv[2] !== "--bot") process.exit(0);

const stop = await watchToken(
  (record) => {
    process.stdout.write(
      `${JSON.stringify({ at: Date.now(), access_token: record.access_token, user_id: record.user_id })}\n`,
    );
  },
  { onError: (error) => process.stderr.write(`${error.code}: ${error.message}\n`) },
);
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void stop().then(() => process.exit(0));
});
