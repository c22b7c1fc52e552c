import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { packageRoot } from "../core/package-root.js";
import { SecretRedactor } from "../core/redact.js";
import { EXIT_USAGE, Output, exitCodeFor } from "./output.js";
import type { GlobalOptions } from "./context.js";

const ONE_OR_EVERY_ACCOUNT =
  "with an accounts file: that account only (default: every account, or the only one)";

/** Builds the `kite-token` program; every command calls the same services as the worker. */
export function buildProgram(
  setExit: (code: number) => void,
  /** The login host main.ts started for a browser refresh (see startsBrowserRefresh). */
  loginHost?: ChildProcess,
): Command {
  const program = new Command("kite-token")
    .description(
      "Keeps a fresh Zerodha Kite Connect access token: logs in headlessly, exchanges, verifies, saves.",
    )
    .version(packageVersion(), "--version", "print the version")
    .option("-v, --verbose", "show details of failures and debug logs")
    .showHelpAfterError()
    .exitOverride();
  const global = (): GlobalOptions => program.opts<GlobalOptions>();
  const run = (action: () => Promise<number> | number) => async () => setExit(await action());

  program
    .command("refresh")
    .description("log in and save a fresh token (skipped when the saved one is still valid)")
    .option("--force", "log in even when the saved token is still valid")
    .option("--json", "print the outcome as JSON")
    .option("--account <id>", ONE_OR_EVERY_ACCOUNT, nonEmpty)
    .action(async (opts: { force?: boolean; json?: boolean; account?: string }) => {
      const { refreshCommand } = await import("./commands/refresh.js");
      await run(() => refreshCommand(global(), opts, loginHost))();
    });
  program
    .command("status")
    .description(
      "show whether the saved token is missing, valid (and for how long), expired, or rejected by Kite",
    )
    .option("--json", "print the status as JSON")
    .option("--account <id>", ONE_OR_EVERY_ACCOUNT, nonEmpty)
    .action(async (opts: { json?: boolean; account?: string }) => {
      const { statusCommand } = await import("./commands/status.js");
      await run(() => statusCommand(global(), opts))();
    });
  program
    .command("token")
    .description(
      'print the saved token for scripts and other languages (refused when expired): eval "$(npx kite-token token --env)"',
    )
    .option("--json", "print the whole token record as JSON")
    .option("--env", "print KITE_ACCESS_TOKEN, KITE_USER_ID and KITE_API_KEY as shell assignments")
    .option("--account <id>", "with an accounts file: the account whose token it is", nonEmpty)
    .action(async (opts: { json?: boolean; env?: boolean; account?: string }) => {
      const { tokenCommand } = await import("./commands/token.js");
      await run(() => tokenCommand(global(), opts))();
    });
  const budget = program
    .command("budget")
    .description(
      "show today's second-factor codes (sent, accepted, rejected, unanswered); `budget reset --yes` forgets them",
    )
    .option("--json", "print the counts as JSON")
    .option("--account <id>", "with an accounts file: that account only (default: every account)")
    .action(async (opts: { json?: boolean; account?: string }) => {
      const { budgetCommand } = await import("./commands/budget.js");
      await run(() => budgetCommand(global(), opts))();
    });
  budget
    .command("reset")
    .description("forget today's second-factor codes, so the next run may submit again")
    .option("--yes", "do it (without it: say what it would do, exit 2)")
    .option("--account <id>", "with an accounts file: that account only (default: every account)")
    .action(async (opts: { yes?: boolean; account?: string }) => {
      const { budgetResetCommand } = await import("./commands/budget.js");
      await run(() => budgetResetCommand(global(), opts))();
    });
  program
    .command("worker")
    .description(
      "run until stopped: refresh at start when needed, then on SCHEDULE (default 08:30 IST)",
    )
    .action(async () => {
      const { workerCommand } = await import("./commands/worker.js");
      await run(() => workerCommand(global()))();
    });
  program
    .command("health")
    .description(
      "exit 0 when the saved token is valid or its refresh is not yet due, 1 otherwise (for HEALTHCHECK)",
    )
    .option("--json", "print each account's health and whether a worker is running, as JSON")
    .option("--account <id>", ONE_OR_EVERY_ACCOUNT, nonEmpty)
    .action(async (opts: { account?: string; json?: boolean }) => {
      const { healthCommand } = await import("./commands/health.js");
      await run(() => healthCommand(global(), opts))();
    });
  program
    .command("exchange")
    .description(
      "manual fallback: exchange a request token (or the whole callback URL) for an access token",
    )
    .argument(
      "<request_token|callback_url>",
      "the request_token, the redirect URL from the address bar, or its query string",
    )
    .option("--json", "print the outcome as JSON")
    .option(
      "--account <id>",
      "with an accounts file: the account whose app and token it is (not needed when it lists one)",
      nonEmpty,
    )
    .action(async (input: string, opts: { json?: boolean; account?: string }) => {
      const { exchangeCommand } = await import("./commands/exchange.js");
      await run(() => exchangeCommand(global(), input, opts))();
    });
  program
    .command("login-url")
    .description("print the Kite login URL to open for a manual login")
    .option(
      "--account <id>",
      "with an accounts file: that account's URL only (default: every account)",
      nonEmpty,
    )
    .action(async (opts: { account?: string }) => {
      const { loginUrlCommand } = await import("./commands/login-url.js");
      await run(() => loginUrlCommand(global(), opts))();
    });
  program
    .command("test-alert")
    .description("send a test alert through every configured channel and print each one's result")
    .option(
      "--verify",
      "check each channel (SMTP connection and login, Telegram bot and chat) without sending",
    )
    .option("--json", "print the results as JSON")
    .action(async (opts: { verify?: boolean; json?: boolean }) => {
      const { testAlertCommand } = await import("./commands/test-alert.js");
      await run(() => testAlertCommand(global(), opts))();
    });
  program
    .command("doctor")
    .description(
      "check configuration, TOTP secret, clock, Chromium, the login page's fields, alerts and stores (never logs in)",
    )
    .option("--json", "print the checks as JSON")
    .option(
      "--account <id>",
      "with an accounts file: that account's checks only (default: every account)",
      nonEmpty,
    )
    .action(async (opts: { json?: boolean; account?: string }) => {
      const { doctorCommand } = await import("./commands/doctor.js");
      await run(() => doctorCommand(global(), opts))();
    });
  program
    .command("serve")
    .description("serve the token console (status, refresh, manual login) on HOST:PORT")
    .option("--host <host>", "address to bind (default: HOST, 127.0.0.1)", nonEmpty)
    .option("--port <port>", "port (default: PORT, 8079)", (v) => parsePortLazy(v))
    .action(async (opts: { host?: string; port?: number }) => {
      const { serveCommand } = await import("./commands/serve.js");
      await run(() => serveCommand(global(), opts))();
    });
  program
    .command("demo")
    .description("run the whole refresh against the built-in Kite simulator (no account needed)")
    .option("--token-file <path>", "where to save the demo token (default: TOKEN_FILE)", nonEmpty)
    .option("--json", "print the outcome as JSON")
    .action(async (opts: { tokenFile?: string; json?: boolean }) => {
      const { demoCommand } = await import("./commands/demo.js");
      await run(() => demoCommand(global(), opts))();
    });
  program
    .command("simulator")
    .description("serve the Kite simulator on loopback until interrupted")
    .option("--host <host>", "address to bind", nonEmpty, "127.0.0.1")
    .option(
      "--login-port <port>",
      "port of the login origin (0: any free port)",
      (v) => parsePortLazy(v),
      7001,
    )
    .option(
      "--api-port <port>",
      "port of the API origin (0: any free port)",
      (v) => parsePortLazy(v),
      7002,
    )
    .option(
      "--redirect-url <url>",
      "the app's redirect URL, where the simulator sends the browser with the request token; by default the console's callback, so its \"Log in manually\" works",
      "http://127.0.0.1:8079/auth/callback",
    )
    .addOption(
      new Option("--twofa <variant>", "second-factor box variant")
        .choices(["totp", "pin", "number", "userid"])
        .default("totp"),
    )
    .option("--auto-submit", "submit the second factor by itself after 6 digits")
    .option("--first-use", "show the app authorization page on the first login")
    .option("--app-code", "the account asks for an app code instead of TOTP")
    .option("--blocked", "the account is blocked")
    .option("--reject-totp", "reject every TOTP code")
    .action(async (opts) => {
      const { simulatorCommand } = await import("./commands/simulator.js");
      await run(() => simulatorCommand(opts))();
    });
  return program;
}

/** This release's version, as package.json says. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as {
    version?: unknown;
  };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

/** A port option's value: a whole number 0-65535, nothing else (commander says which option). */
function parsePortLazy(value: string): number {
  const port = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError("It must be a port number from 0 to 65535 (0: any free port).");
  }
  return port;
}

/** A value that must be given: an empty one (`--host ''`) is refused, not ignored. */
function nonEmpty(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("It must not be empty.");
  return value.trim();
}

export async function main(argv: string[], loginHost?: ChildProcess): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  }, loginHost);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander rejects is usage.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    new Output(new SecretRedactor()).failure(error, Boolean(program.opts<GlobalOptions>().verbose));
    return exitCodeFor(error);
  }
  return exitCode;
}

/**
 * A reader that went away (`kite-token status | head -1`) ends what is printed, not the
 * command: the rest of its output is dropped, the command finishes (a console goes on
 * serving) and exits with its own code. Any other output error stays fatal.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
    throw error;
  });
}
