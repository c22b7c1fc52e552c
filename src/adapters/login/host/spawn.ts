import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { browserEnv } from "../browser-env.js";

/**
 * Forks a login host (`child.js`). `warm`: it loads Playwright at once, before any login
 * is asked of it (the browser's settings come later, with `warm` from BrowserHost).
 */
export function forkLoginHost(options: { warm?: boolean } = {}): ChildProcess {
  return fork(
    fileURLToPath(new URL("./child.js", import.meta.url)),
    options.warm ? ["--warm"] : [],
    {
      serialization: "advanced",
      // Nothing inherited from this process's own flags (test runners, --expose-gc…).
      execArgv: [],
      // Nor its secrets: the credentials reach the host over the IPC channel only.
      env: browserEnv(),
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    },
  );
}
