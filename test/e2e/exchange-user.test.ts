import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import type { App } from "../../src/runner/app.js";
import { KiteApi } from "../../src/adapters/kite/api.js";
import { refresh } from "../../src/pipeline/refresh.js";
import type { RunningConsole } from "../../src/server/serve.js";
import {
  simulatorSettings,
  startSimulator,
  type Simulator,
} from "../../src/adapters/simulator/index.js";
import { runCli } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { depsFor, tempDir } from "../helpers/setup.js";
import { AUTH, consoleFor, simApp } from "../server/console-helpers.js";

/**
 * Every exchange checks that Kite's user is the account's user: a request token of
 * someone else's login (a hostile page, a pasted link) is refused naming both, and
 * nothing is saved.
 */
const OTHER = "ZZ9999";

let sim: Simulator;
/** The same app, another Zerodha user: its request tokens are "someone else's". */
let intruder: Simulator;

before(async () => {
  sim = await startSimulator();
  intruder = await startSimulator({
    account: { userId: OTHER },
    app: { apiKey: sim.app.apiKey, apiSecret: sim.app.apiSecret },
  });
});
after(async () => {
  await sim.close();
  await intruder.close();
});

describe("the exchange's user check", () => {
  it("kite-token exchange refuses a token for another user than KITE_USER_ID (exit 1, nothing saved)", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const { callbackUrl } = await requestTokenOverHttp(sim);
    const result = await runCli(
      ["exchange", callbackUrl],
      { ...simulatorSettings(sim), KITE_USER_ID: OTHER, TOKEN_FILE: tokenFile },
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `USER_MISMATCH: Kite exchanged the request token for user ${sim.account.userId}, not for this account's user ${OTHER}; nothing was saved.`,
    );
    expect(existsSync(tokenFile)).toBe(false);
    const state = JSON.parse(readFileSync(path.join(dir, "state.json"), "utf8")) as {
      runs: Array<{ outcome: string; error_code?: string }>;
    };
    expect(state.runs.at(-1)).toMatchObject({ outcome: "failed", error_code: "USER_MISMATCH" });
  });

  it("without KITE_USER_ID, the saved token's user is the account's: another user's token is refused", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const env = { ...simulatorSettings(sim), KITE_USER_ID: "", TOKEN_FILE: tokenFile };
    // The first token, with nothing to compare with, is the account's.
    const first = await runCli(
      ["exchange", (await requestTokenOverHttp(sim)).callbackUrl],
      env,
      dir,
    );
    expect(first.code).toBe(0);
    const saved = readFileSync(tokenFile, "utf8");
    const second = await runCli(
      ["exchange", (await requestTokenOverHttp(intruder)).callbackUrl],
      { ...env, KITE_API_ROOT: intruder.apiRoot },
      dir,
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `user ${OTHER}, not for this account's user ${sim.account.userId}`,
    );
    expect(readFileSync(tokenFile, "utf8")).toBe(saved);
  });

  it("a refresh whose login came back with another user's request token saves nothing", async () => {
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    mkdirSync(dir, { recursive: true });
    const deps = depsFor(sim, tokenFile);
    const report = await refresh(
      {
        ...deps,
        // A hostile page redirected with a request token of the intruder's own login.
        login: {
          name: "browser",
          login: async () => ({
            requestToken: (await requestTokenOverHttp(intruder)).token,
            totpSubmissions: 1,
          }),
        },
        kite: new KiteApi({ apiKey: sim.app.apiKey, apiRoot: intruder.apiRoot, timeoutMs: 5000 }),
      },
      { force: true },
    );
    expect(report.ok).toBe(false);
    if (report.ok) return;
    expect(report.error.code).toBe("USER_MISMATCH");
    expect(report.error.message).toContain(
      `user ${OTHER}, not for this account's user ${sim.account.userId}`,
    );
    expect(report.step).toBe("exchange");
    expect(existsSync(tokenFile)).toBe(false);
  });

  describe("in the console", () => {
    let app: App;
    let server: RunningConsole;
    before(async () => {
      app = simApp(sim, { KITE_USER_ID: OTHER });
      server = await consoleFor(app);
    });
    after(async () => {
      await server.close();
      await app.close();
    });

    it("the paste box (generate-access-token) answers 403 USER_MISMATCH naming both users", async () => {
      const { callbackUrl } = await requestTokenOverHttp(sim);
      const res = await fetch(`${server.url}/api/token/generate-access-token`, {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ callback_url: callbackUrl }),
      });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("USER_MISMATCH");
      expect(body.error.message).toContain(`user ${sim.account.userId}`);
      expect(body.error.message).toContain(`user ${OTHER}`);
      expect(await app.store.read()).toBeUndefined();
    });

    it("the callback of a login started here refuses another user's token too", async () => {
      const info = (await (
        await fetch(`${server.url}/api/token/refresh-info`, { headers: AUTH })
      ).json()) as { login_url: string };
      const { callbackUrl } = await requestTokenOverHttp(sim, info.login_url);
      const res = await fetch(`${server.url}/auth/callback${new URL(callbackUrl).search}`);
      expect(res.status).toBe(403);
      const page = await res.text();
      expect(page).toContain("USER_MISMATCH");
      expect(page).toContain(OTHER);
      expect(await app.store.read()).toBeUndefined();
    });
  });
});
