import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { packageRoot } from "../../src/core/package-root.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { descendantsOf, isRunning } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";
import { NEVER } from "../helpers/worker-app.js";
import { exited, simEnv, until } from "../helpers/worker-process.js";

/**
 * SIGTERM to the launcher a trader uses (`npm start`, `npx kite-token worker`) stops the
 * worker under it within 10 s: no orphan left firing on schedule.
 */
let sim: Simulator;
before(async () => {
  sim = await startSimulator();
});
after(() => sim.close());

/** The worker's own process under a launcher: the node running the CLI's worker. */
function workerUnder(launcher: number): number | undefined {
  return descendantsOf(launcher).find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return (
        argv.some((a) => a.endsWith("main.js") || a.endsWith("kite-token")) &&
        argv.includes("worker")
      );
    } catch {
      return false;
    }
  });
}

const LAUNCHERS: Array<[string, string, string[]]> = [
  ["npm start", "npm", ["start"]],
  ["npx kite-token worker", "npx", ["kite-token", "worker"]],
];

describe("the worker under its launchers", { timeout: 120_000 }, () => {
  for (const [name, command, args] of LAUNCHERS) {
    it(`SIGTERM to \`${name}\` stops the worker within 10 s`, async () => {
      const dir = tempDir("kt-launcher-");
      const launcher = spawn(command, args, {
        cwd: packageRoot(),
        env: {
          PATH: process.env["PATH"] ?? "",
          HOME: process.env["HOME"] ?? "/tmp",
          ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
          ...simEnv(sim, dir, { SCHEDULE: NEVER, ALERT_DEADLINE: "off" }),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let log = "";
      launcher.stdout.on("data", (c: Buffer) => (log += c.toString()));
      launcher.stderr.on("data", (c: Buffer) => (log += c.toString()));
      let worker: number | undefined;
      try {
        // Started, and its catch-up run done (the token saved): the worker now just waits.
        const started = await until(() => log.includes('"next run"'), 60_000);
        if (!started)
          throw new Error(`the worker never started under ${name}: ${log.slice(-1500)}`);
        worker = workerUnder(launcher.pid!);
        expect(worker).toBeDefined();
        const stopping = Date.now();
        launcher.kill("SIGTERM");
        await exited(launcher);
        expect(await until(() => !isRunning(worker!), 10_000)).toBe(true);
        expect(Date.now() - stopping).toBeLessThan(10_000);
      } finally {
        if (worker !== undefined && isRunning(worker)) process.kill(worker, "SIGKILL");
        if (launcher.exitCode === null) launcher.kill("SIGKILL");
      }
    });
  }
});
