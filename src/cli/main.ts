#!/usr/bin/env node
/**
 * The `kite-token` command's entry point (the program itself is program.ts). A refresh
 * that will log in with the browser starts its login host here, before this process loads
 * the CLI, the command and its configuration: the host loads Playwright meanwhile, and
 * launches Chromium as soon as the refresh has read its settings (see docs/performance.md).
 * Only light modules are imported before that.
 */
import type { ChildProcess } from "node:child_process";
import { forkLoginHost } from "../adapters/login/host/spawn.js";
import { enableCompileCache } from "../core/compile-cache.js";

/** How long a finished command's process may take to wind down by itself. */
const EXIT_GRACE_MS = 1500;

/**
 * `kite-token [global options] refresh …` logging in with the browser: LOGIN_STRATEGY is
 * unset (the browser is the default) or `browser` in the environment, which wins over
 * `.env` and the config file. When another source sets another login, the host started
 * here is ended once the configuration is read; help and version start nothing.
 */
export function startsBrowserRefresh(args: string[], env: NodeJS.ProcessEnv): boolean {
  if (args.find((arg) => !arg.startsWith("-")) !== "refresh") return false;
  if (args.some((arg) => ["-h", "--help", "--version"].includes(arg))) return false;
  return (env["LOGIN_STRATEGY"]?.trim() || "browser") === "browser";
}

const args = process.argv.slice(2);
const loginHost: ChildProcess | undefined = startsBrowserRefresh(args, process.env)
  ? forkLoginHost({ warm: true })
  : undefined;
// Before the command's own modules load (each command is imported when it runs).
enableCompileCache();
const { main } = await import("./program.js");
main(process.argv, loginHost).then(
  (code) => {
    process.exitCode = code;
    // A host no command took (a usage error, say): nothing was launched in it, so it is
    // ended at once. One the refresh took was stopped with its app.
    if (loginHost?.connected) loginHost.kill("SIGKILL");
    // The command is done: nothing left behind (a socket to a mail server that stopped
    // answering) may hold the process, which a cron or systemd timer waits for.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    console.error("kite-token: unexpected failure", error instanceof Error ? error.message : "");
    process.exitCode = 1;
  },
);
