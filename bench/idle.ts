import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { simulatorSettings, type Simulator } from "../src/adapters/simulator/index.js";
import { CLI } from "../test/helpers/cli.js";
import { descendantsOf } from "../test/helpers/processes.js";
import { accountsEnv, writeAccountsFile } from "../test/accounts/helpers.js";
import { tempDir } from "../test/helpers/setup.js";
import { rssOf } from "./proc.js";

/**
 * The real worker, idle: `kite-token worker` (the built CLI) against the simulator on
 * loopback, with its schedule far away. Once its startup refresh is done and the login
 * host's idle grace has passed, its RSS and its descendants (there should be none: no
 * login host, no Chromium) are what a waiting worker costs: read at once, and again once
 * V8 has settled (its idle-time garbage collection gives memory back after a few seconds
 * without work, as it does for the hours a worker waits).
 */
export type IdleMode = "valid-token" | "browser" | "http" | "accounts";

export interface IdleFigure {
  mode: IdleMode;
  /** What the startup refresh did (`skipped` when the saved token was still good). */
  startup: string;
  /** Right after the login host's grace. */
  rssBytes: number;
  /** After SETTLE_MS more of waiting (the most seen in its last seconds). */
  settledRssBytes: number;
  descendants: number;
  descendantsRssBytes: number;
}

/** The login host's idle grace used here (the default is 5 s). */
const GRACE_MS = 2000;
/** How long the idle worker is watched after the first reading. */
const SETTLE_MS = 15_000;
/** The settled figure: the most RSS seen over this last part of the watch. */
const SETTLED_TAIL_MS = 5000;

function env(
  sim: Simulator,
  dir: string,
  strategy: string,
  accounts: Simulator[] = [],
): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
    ...simulatorSettings(sim),
    ...(accounts.length > 0
      ? { ...accountsEnv(accounts), ACCOUNTS_FILE: writeAccountsFile(dir, accounts) }
      : {}),
    TOKEN_FILE: path.join(dir, "token.json"),
    LOG_LEVEL: "info",
    LOGIN_STRATEGY: strategy,
    // 00:00 on 1 January: never during a benchmark.
    SCHEDULE: "0 0 1 1 *",
    BROWSER_HOST_IDLE_MS: String(GRACE_MS),
  };
}

/**
 * `valid-token`: a token saved beforehand (an HTTP refresh), so the worker starts and
 * logs in with nothing: the worker before any browser run. `browser` / `http`: its
 * startup refresh logs in that way. `accounts`: the worker over an accounts file listing
 * `accounts` (one simulator each), every one logged in with the browser at start.
 */
export async function idleWorker(
  sim: Simulator,
  mode: IdleMode,
  accounts: Simulator[] = [],
): Promise<IdleFigure> {
  const dir = tempDir("kt-bench-idle-");
  if (mode === "valid-token") {
    await promisify(execFile)(process.execPath, [CLI, "refresh"], {
      cwd: dir,
      env: env(sim, dir, "http"),
    });
  }
  const worker = spawn(process.execPath, [CLI, "worker"], {
    cwd: dir,
    env: env(sim, dir, mode === "http" ? "http" : "browser", mode === "accounts" ? accounts : []),
    // Its log (JSON lines on stderr) tells when the startup refresh is done.
    stdio: ["ignore", "ignore", "pipe"],
  });
  let out = "";
  // One "refresh done" line per account (one without an accounts file).
  const expected = Math.max(1, accounts.length);
  const startup = await new Promise<string>((resolve, reject) => {
    worker.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const done = out.split("\n").filter((line) => line.includes('"msg":"refresh done"'));
      if (done.length < expected) return;
      const statuses = done.map((line) => (JSON.parse(line) as { status: string }).status);
      resolve([...new Set(statuses)].join(", "));
    });
    worker.once("exit", (code) => reject(new Error(`worker exited (${code}) before its refresh`)));
  });
  // Past the login host's grace (plus a margin), then as it waits for the next morning.
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 2000));
  const pid = worker.pid ?? 0;
  const rssBytes = rssOf(pid);
  let settledRssBytes = 0;
  for (let waited = 0; waited < SETTLE_MS; waited += 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (waited + 1000 > SETTLE_MS - SETTLED_TAIL_MS)
      settledRssBytes = Math.max(settledRssBytes, rssOf(pid));
  }
  const children = descendantsOf(pid);
  const figure: IdleFigure = {
    mode,
    startup,
    rssBytes,
    settledRssBytes,
    descendants: children.length,
    descendantsRssBytes: children.reduce((sum, child) => sum + rssOf(child), 0),
  };
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  worker.kill("SIGTERM");
  await exited;
  return figure;
}
