import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import {
  simulatorSettings,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { spawnCli } from "../helpers/cli.js";
import { chromiumOwnedBy, descendantsOf, isRunning } from "../helpers/processes.js";
import { tempDir } from "../helpers/setup.js";
import { until } from "../helpers/worker-process.js";

let sim: Simulator;
before(async () => {
  // The login never ends by itself: Kite's finish never redirects.
  sim = await startSimulator({ scenario: { noRedirect: true } });
});
after(async () => {
  await sim.close();
});

describe("stopping `kite-token refresh`", () => {
  for (const [signal, exit] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    it(`${signal} during the login: the login aborted, the lock released, the run recorded as ABORTED, exit ${exit}, no Chromium left`, async () => {
      sim.resetCounters();
      const dir = tempDir();
      const child = spawnCli(
        ["refresh"],
        {
          ...simulatorSettings(sim),
          TOKEN_FILE: path.join(dir, "token.json"),
          REDIRECT_TIMEOUT_MS: "60000",
        },
        dir,
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
      const pid = child.pid ?? 0;
      expect(await until(() => sim.counters.twofaAttempts > 0, 60_000)).toBe(true);
      expect(existsSync(path.join(dir, "refresh.lock"))).toBe(true);
      const children = descendantsOf(pid);
      expect(chromiumOwnedBy(pid).length).toBeGreaterThan(0);
      child.kill(signal);
      expect({ code: await closed, stdout, stderr }).toMatchObject({ code: exit });
      expect(stderr).toContain("kite-token: ABORTED:");
      expect(existsSync(path.join(dir, "refresh.lock"))).toBe(false);
      const state = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as {
        runs: Array<{ outcome: string; error_code?: string; trigger: string }>;
      };
      expect(state.runs).toMatchObject([
        { outcome: "failed", error_code: "ABORTED", trigger: "cli" },
      ]);
      expect(await until(() => chromiumOwnedBy(pid).length === 0, 5000)).toBe(true);
      expect(await until(() => children.every((p) => !isRunning(p)), 5000)).toBe(true);
      expect(existsSync(path.join(dir, "token.json"))).toBe(false);
    });
  }
});
