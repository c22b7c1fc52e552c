import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { CLI, runCli } from "../helpers/cli.js";
import { simulatorForFile } from "../helpers/fixture.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import {
  fullDisk,
  inPrivateMounts,
  privateMountsAvailable,
  readOnlyFolder,
} from "../helpers/mounts.js";
import { tempDir } from "../helpers/setup.js";

let sim: Simulator;
simulatorForFile((s) => (sim = s));

/** The CLI pointed at the simulator, its token in `dir` (its default logs: errors only). */
const simEnv = (
  _sim: Simulator,
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  ...simulatorSettings(sim),
  TOKEN_FILE: path.join(dir, "token.json"),
  ...extra,
});

const mounts = privateMountsAvailable()
  ? {}
  : { skip: "this machine cannot mount a tmpfs in a private mount namespace (unshare -m)" };

/** What reached Kite's login and API: nothing, when a store is refused before the login. */
const sentToKite = () => {
  const c = sim.counters;
  return {
    pages: c.loginPageLoads,
    logins: c.loginAttempts,
    twofa: c.twofaAttempts,
    exchanges: c.exchangeCalls,
  };
};
const NOTHING = { pages: 0, logins: 0, twofa: 0, exchanges: 0 };

interface Run {
  state: { runs: Array<{ outcome: string; error_code?: string; steps: Array<{ step: string }> }> };
}

describe("a full disk and a read-only folder", () => {
  it(
    "a full disk: STORE_FAILED naming the lock file and ENOSPC, no file left behind, nothing sent to Kite",
    mounts,
    async () => {
      const dir = tempDir();
      const data = path.join(dir, "data");
      mkdirSync(data);
      const listing = path.join(dir, "listing");
      const result = await inPrivateMounts(
        `${fullDisk(data)}
       node '${CLI}' refresh && rc=0 || rc=$?
       ls -A '${data}' > '${listing}'
       exit $rc`,
        simEnv(sim, data, {}),
        dir,
      );
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 1 });
      expect(result.stdout).toMatch(/FAIL +single-login lock .*\(STORE_FAILED\)/);
      expect(result.stderr).toContain(
        `kite-token: STORE_FAILED: The lock file ${path.join(data, "refresh.lock")} cannot be written: no space left on device (ENOSPC).`,
      );
      expect(result.stderr).toContain(`Free some space in ${data}`);
      expect(result.stderr).not.toContain("INTERNAL");
      // No temporary file, no empty lock (of the login or of the state file) left behind.
      expect(readFileSync(listing, "utf8").split("\n").filter(Boolean)).toEqual(["fill"]);
      expect(sentToKite()).toEqual(NOTHING);
    },
  );

  it(
    "a read-only token folder: refused before anything is sent to Kite, naming the folder (refresh and exchange)",
    mounts,
    async () => {
      const dir = tempDir();
      const tokens = path.join(dir, "tokens");
      mkdirSync(tokens);
      const env = simEnv(sim, tokens, {
        STATE_FILE: path.join(dir, "state.json"),
        LOCK_FILE: path.join(dir, "refresh.lock"),
      });
      const refresh = await inPrivateMounts(
        `${readOnlyFolder(tokens)}
       exec node '${CLI}' refresh --force`,
        env,
        dir,
      );
      expect({ code: refresh.code, stderr: refresh.stderr }).toMatchObject({ code: 1 });
      expect(refresh.stdout).toMatch(
        /ok +single-login lock[^\n]*\n +FAIL +save .*\(STORE_FAILED\)/,
      );
      expect(refresh.stdout).not.toMatch(/log in/);
      expect(refresh.stderr).toContain(
        `kite-token: STORE_FAILED: The folder ${tokens} cannot take the token of file:${path.join(tokens, "token.json")}: read-only file system (EROFS). Nothing was sent to Kite.`,
      );
      expect(refresh.stderr).toContain(`Make ${tokens} writable`);
      expect(sentToKite()).toEqual(NOTHING);
      const state = JSON.parse(readFileSync(env["STATE_FILE"]!, "utf8")) as Run["state"];
      expect(state.runs.at(-1)).toMatchObject({ outcome: "failed", error_code: "STORE_FAILED" });
      expect(state.runs.at(-1)?.steps.map((s) => s.step)).toEqual(["lock", "save"]);

      // The manual exchange spends a request token (it works once): refused before it too.
      const { token } = await requestTokenOverHttp(sim);
      sim.resetCounters();
      const exchange = await inPrivateMounts(
        `${readOnlyFolder(tokens)}
       exec node '${CLI}' exchange '${token}'`,
        env,
        dir,
      );
      expect({ code: exchange.code, stderr: exchange.stderr }).toMatchObject({ code: 1 });
      expect(exchange.stderr).toContain("read-only file system (EROFS). Nothing was sent to Kite.");
      expect(sentToKite()).toEqual(NOTHING);
    },
  );

  it("an empty lock file (a full disk's leftover) is stale at once: the next refresh does not wait for it", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "refresh.lock"), "");
    // The lock's staleness by age is 30 s; this run waits 5 s at most for another holder.
    const result = await runCli(["refresh"], simEnv(sim, dir, { LOCK_WAIT_MS: "5000" }), dir);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("Token refreshed for");
    expect(sim.counters.loginAttempts).toBe(1);
  });

  it("a corrupt state file is named as such: status says so (not 'none recorded'), refresh fails naming it", async () => {
    const dir = tempDir();
    const stateFile = path.join(dir, "state.json");
    writeFileSync(stateFile, '{"version": 1, "runs": [');
    const env = simEnv(sim, dir, {});
    const status = await runCli(["status"], env, dir);
    expect(status.stdout).toContain(
      `last run: unknown: The state file ${stateFile} is corrupt (not valid JSON:`,
    );
    expect(status.stdout).not.toContain("none recorded");
    const refresh = await runCli(["refresh"], env, dir);
    expect(refresh.code).toBe(1);
    expect(refresh.stderr).toContain(
      `kite-token: STORE_FAILED: The state file ${stateFile} is corrupt (not valid JSON:`,
    );
    expect(refresh.stderr).toContain("Move it aside to start afresh");
    expect(refresh.stderr).not.toContain("writable");
    expect(sim.counters.loginAttempts).toBe(0);
    writeFileSync(stateFile, JSON.stringify({ version: 1, runs: [{ started_at: 5 }] }));
    const fields = await runCli(["status"], env, dir);
    expect(fields.stdout).toContain(
      `last run: unknown: The state file ${stateFile} is corrupt (missing or bad fields: runs.0.started_at`,
    );
  });
});
