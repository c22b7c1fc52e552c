import path from "node:path";
import { createApp, type App, type AppClock } from "../../src/runner/app.js";
import { loadConfig } from "../../src/config/load.js";
import { startConsole, type RunningConsole, type ServeOptions } from "../../src/server/serve.js";
import { simulatorSettings, type Simulator } from "../../src/adapters/simulator/index.js";
import { fastAppClock, tempDir } from "../helpers/setup.js";
import { formatIst } from "../../src/core/time.js";
import type { RunRecord } from "../../src/adapters/state/state.js";
import { accountsEnv, writeAccountsFile } from "../accounts/helpers.js";

export const ADMIN = "console-admin-token-0123456789";
export const AUTH = { authorization: `Bearer ${ADMIN}` };
/** The admin header and a JSON body's type, for the endpoints that take JSON. */
export const AUTH_JSON = { ...AUTH, "content-type": "application/json" };

/** An app configured against the simulator, with its token file in a fresh folder. */
export function simApp(
  sim: Simulator,
  extra: Record<string, string> = {},
  options: { clock?: AppClock } = {},
): App {
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
  return createApp(config, { logLevel: "silent", ...options });
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

/** A run of the state file's history, for seeding it: started `at`, ended after its steps. */
export function historyRun(
  at: Date | number,
  trigger: string,
  outcome: RunRecord["outcome"],
  steps: RunRecord["steps"] = [],
  code?: string,
): RunRecord {
  const start = new Date(at);
  return {
    started_at: formatIst(start),
    ended_at: formatIst(new Date(start.getTime() + steps.reduce((sum, s) => sum + s.ms, 0))),
    trigger,
    outcome,
    ...(code ? { error_code: code } : {}),
    totp_submissions: steps.some((s) => s.step === "login") ? 1 : 0,
    steps,
  };
}
