import path from "node:path";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { startConsole, type RunningConsole, type ServeOptions } from "../../src/server/serve.js";
import { simulatorSettings, type Simulator } from "../../src/simulator/index.js";
import { exchangeAndSave, type StepEvent } from "../../src/refresh.js";
import type { RefreshRunner } from "../../src/server/types.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { fastAppClock, tempDir } from "../helpers/setup.js";
import { accountsEnv, writeAccountsFile } from "../accounts/helpers.js";

export const ADMIN = "console-admin-token-0123456789";
export const AUTH = { authorization: `Bearer ${ADMIN}` };
/** The admin header and a JSON body's type, for the endpoints that take JSON. */
export const AUTH_JSON = { ...AUTH, "content-type": "application/json" };

/** An app configured against the simulator, with its token file in a fresh folder. */
export function simApp(sim: Simulator, extra: Record<string, string> = {}): App {
  const tokenFile = path.join(tempDir("kt-console-"), "token.json");
  const config = loadConfig({
    env: {},
    cwd: tempDir("kt-console-cwd-"),
    overrides: {
      ...simulatorSettings(sim),
      TOKEN_FILE: tokenFile,
      ADMIN_TOKEN: ADMIN,
      PORT: "0",
      ...extra,
    },
  });
  return createApp(config, { logLevel: "silent" });
}

export async function consoleFor(app: App, options: ServeOptions = {}): Promise<RunningConsole> {
  return startConsole(app, { rateLimitPerMinute: 1000, ...options });
}

/**
 * A base app over an accounts file, one account per simulator (`acct-0`, `acct-1`…), each
 * account's token, lock and state under `<dir>/<id>/`.
 */
export function accountsApp(
  sims: Simulator[],
  extra: Record<string, string> = {},
): { app: App; dir: string } {
  const dir = tempDir("kt-console-accounts-");
  const config = loadConfig({
    env: {
      ...accountsEnv(sims),
      ACCOUNTS_FILE: writeAccountsFile(dir, sims),
      TOKEN_FILE: path.join(dir, "token.json"),
      ADMIN_TOKEN: ADMIN,
      PORT: "0",
      ALERT_DEADLINE: "off",
      ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
      ...extra,
    },
    cwd: dir,
  });
  return { app: createApp(config, { logLevel: "silent", clock: fastAppClock() }), dir };
}

/** Reads a server-sent event stream to its `end` event. */
export async function readEvents(url: string): Promise<Array<{ event: string; data: unknown }>> {
  const res = await fetch(url);
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { event, data: JSON.parse(data) as unknown };
    });
}

/**
 * A refresh runner that waits at a gate (so a test can start a second refresh while one
 * runs), then gets a real request token from the simulator and exchanges it for real.
 */
export function gatedRunner(sim: Simulator, app: App) {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let calls = 0;
  const runner: RefreshRunner = async (onStep: (e: StepEvent) => void) => {
    calls += 1;
    onStep({ step: "login", phase: "start" });
    await gate;
    const { token } = await requestTokenOverHttp(sim);
    onStep({ step: "login", phase: "done", ms: 1 });
    const steps = [{ step: "login" as const, ms: 1 }];
    const record = await exchangeAndSave(
      token,
      {
        kite: app.kite(sim.app.apiKey),
        apiSecret: sim.app.apiSecret,
        userId: sim.account.userId,
        store: app.store,
        logger: app.logger,
        redactor: app.redactor,
        onStep,
      },
      steps,
    );
    return { status: "refreshed", record, steps, totpSubmissions: 1 };
  };
  return { runner, open: () => open(), calls: () => calls };
}
