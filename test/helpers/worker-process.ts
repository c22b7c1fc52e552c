import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { CLI } from "./cli.js";

/** The settings that point the CLI at a simulator, with its files in `dir`. */
export function simEnv(
  sim: Simulator,
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...simulatorSettings(sim),
    TOKEN_FILE: path.join(dir, "token.json"),
    LOG_LEVEL: "info",
    ...extra,
  };
}

/** `kite-token worker` as a separate process. */
export function startWorker(
  sim: Simulator,
  dir: string,
  extra: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [CLI, "worker"], {
    cwd: dir,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? "/tmp",
      ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
      ...simEnv(sim, dir, extra),
    },
    stdio: ["ignore", "ignore", "ignore"],
  });
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((resolve) => child.once("exit", (code) => resolve(code)));

/** Polls until the condition holds; false when `ms` passed first. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  ms: number,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
