import { spawn, execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { expect } from "expect";
import type { Simulator } from "../../src/adapters/simulator/index.js";
import { CLI } from "../helpers/cli.js";
import { simulatorForFile } from "../helpers/fixture.js";
import { descendantsOf } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";
import { exited, simEnv, until } from "../helpers/worker-process.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

const TRACE = fileURLToPath(new URL("../helpers/module-trace.js", import.meta.url));
/** What a login and a Kite call load: none of it may stay in a waiting worker. */
const LOGIN_PACKAGES = ["kiteconnect", "axios", "otplib", "playwright-core", "tough-cookie"];

function env(dir: string, trace: string, strategy: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
    ...simEnv(sim, dir, {
      LOGIN_STRATEGY: strategy,
      SCHEDULE: "0 0 1 1 *",
      BROWSER_HOST_IDLE_MS: "300",
      MODULE_TRACE_FILE: trace,
    }),
  };
}

const packagesIn = (trace: string): Set<string> =>
  new Set(readFileSync(trace, "utf8").split("\n").filter(Boolean));

describe("a waiting worker keeps no login code", { timeout: 120_000 }, () => {
  for (const strategy of ["browser", "http"]) {
    it(`after a ${strategy} login: the token saved, no child process, and none of the login's packages loaded`, async () => {
      const dir = tempDir();
      const trace = path.join(dir, "modules.txt");
      const worker = spawn(process.execPath, ["--import", TRACE, CLI, "worker"], {
        cwd: dir,
        env: env(dir, trace, strategy),
        stdio: "ignore",
      });
      try {
        const tokenFile = path.join(dir, "token.json");
        expect(await until(() => existsSync(tokenFile), 60_000)).toBe(true);
        const token = JSON.parse(readFileSync(tokenFile, "utf8")) as { access_token: string };
        expect(sim.isAccessTokenValid(token.access_token)).toBe(true);
        expect(sim.counters.exchangeSucceeded).toBe(1);
        // The login host ends after its grace: the worker waits alone.
        expect(await until(() => descendantsOf(worker.pid!).length === 0, 15_000)).toBe(true);
        worker.kill("SIGUSR2");
        expect(await until(() => packagesIn(trace).has("pino"), 5000)).toBe(true);
        const loaded = packagesIn(trace);
        // The trace sees both kinds of module (ESM and CommonJS) the worker does load.
        expect([...["zod", "node-cron", "pino"]].filter((p) => !loaded.has(p))).toEqual([]);
        expect(LOGIN_PACKAGES.filter((p) => loaded.has(p))).toEqual([]);
      } finally {
        worker.kill("SIGTERM");
        await exited(worker);
      }
    });
  }

  it("a one-shot refresh runs its Kite calls in-process (the trace sees them)", async () => {
    const dir = tempDir();
    const trace = path.join(dir, "modules.txt");
    await promisify(execFile)(process.execPath, ["--import", TRACE, CLI, "refresh"], {
      cwd: dir,
      env: env(dir, trace, "http"),
    });
    const loaded = packagesIn(trace);
    expect(["kiteconnect", "otplib", "tough-cookie"].filter((p) => !loaded.has(p))).toEqual([]);
  });
});
