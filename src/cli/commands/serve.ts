import { startConsole } from "../../server/serve.js";
import { Schedule } from "../../worker/schedule.js";
import { commandContext, type GlobalOptions } from "../context.js";
import { counted, EXIT_OK } from "../output.js";

/** `kite-token serve`: the token console until Ctrl-C. */
export async function serveCommand(
  global: GlobalOptions,
  options: { host?: string; port?: number },
): Promise<number> {
  // Long-running: its logins and Kite calls run in the login host, which ends when idle.
  const { app, out } = commandContext(global, {}, { kiteInHost: true });
  const schedule = new Schedule(app.config.worker.schedule, app.config.worker.scheduleTz);
  const running = await startConsole(app, {
    // The runs every entry point records (worker, refresh), per account with an accounts
    // file; "next run" is SCHEDULE's.
    nextRun: () => schedule.next(),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  const accounts = app.config.accounts.file ? app.config.accounts.list.map((a) => a.id) : undefined;
  out.line(
    `Token console on ${running.url}${accounts ? ` for ${counted(accounts.length, "account")} (${accounts.join(", ")})` : ""} (Ctrl-C to stop).`,
  );
  if (app.config.server.adminToken === undefined)
    out.line("No ADMIN_TOKEN: the console is open to anyone on this machine.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await running.close();
  // Stops the login host of a refresh started from the console, if one is still up.
  await app.close();
  return EXIT_OK;
}
