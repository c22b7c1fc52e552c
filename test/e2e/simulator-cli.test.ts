import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { findUnusedPort, type Simulator } from "../../src/adapters/simulator/index.js";
import { startLineChild, type LineChild } from "../helpers/child-lines.js";
import { CLI, runCli } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { tempDir } from "../helpers/setup.js";

/** `kite-token simulator …` until stopped, with the settings it printed. */
async function simulatorCli(
  args: string[],
): Promise<{ child: LineChild; settings: Record<string, string> }> {
  const child = startLineChild(CLI, {}, tempDir(), ["simulator", ...args]);
  await child.waitFor((line) => line.includes("Ctrl-C stops it"));
  const settings = Object.fromEntries(
    child.lines
      .map((line) => /^ {2}([A-Z_]+)=(.*)$/.exec(line))
      .flatMap((m) => (m?.[1] && m[2] !== undefined ? [[m[1], m[2]] as const] : [])),
  );
  return { child, settings };
}

/** What a person's browser knows of the simulator from the printed settings. */
function asSimulator(settings: Record<string, string>): Simulator {
  const loginUrl = settings["KITE_LOGIN_URL"] ?? "";
  return {
    loginOrigin: new URL(loginUrl).origin,
    loginUrl,
    app: { apiKey: settings["KITE_API_KEY"] ?? "" },
    account: {
      userId: settings["KITE_USER_ID"] ?? "",
      password: settings["KITE_PASSWORD"] ?? "",
      totpSecret: settings["KITE_TOTP_SECRET"] ?? "",
    },
  } as Simulator;
}

describe("kite-token simulator", () => {
  it("serves the simulator, prints the settings that point at it, and stops on SIGTERM", async () => {
    const { child, settings } = await simulatorCli([
      "--login-port",
      "0",
      "--api-port",
      "0",
      "--first-use",
    ]);
    expect(settings["KITE_LOGIN_URL"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connect\/login$/);
    expect(settings["KITE_API_ROOT"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(settings["KITE_TOTP_SECRET"]).toMatch(/^[A-Z2-7]{16,}$/);
    // Its own token and state files: never a real account's.
    expect(settings["TOKEN_FILE"]).toBe("data/simulator/token.json");
    expect(settings["STATE_FILE"]).toBe("data/simulator/state.json");

    const state = (await (
      await fetch(new URL("/__sim/state", settings["KITE_LOGIN_URL"]))
    ).json()) as { scenario: { firstUse: boolean } };
    expect(state.scenario.firstUse).toBe(true);
    const profile = await fetch(`${settings["KITE_API_ROOT"]}/user/profile`);
    expect(profile.status).toBe(403);
    expect(await profile.json()).toMatchObject({ status: "error", error_type: "TokenException" });

    await child.stop();
    expect(child.child.exitCode).toBe(0);
  });

  it("prints the same settings after a restart (fixed ports and redirect URL), so a .env from them keeps working", async () => {
    const ports = ["--login-port", String(await findUnusedPort()), "--api-port"];
    const args = [...ports, String(await findUnusedPort())];
    const first = await simulatorCli(args);
    expect(first.settings["KITE_REDIRECT_URL"]).toBe("http://127.0.0.1:8079/auth/callback");
    const dir = tempDir();
    const env = { ...first.settings, TOKEN_FILE: path.join(dir, "token.json") };
    expect((await runCli(["refresh"], env, dir)).code).toBe(0);
    await first.child.stop();

    const second = await simulatorCli(args);
    try {
      expect(second.settings).toEqual(first.settings);
      const again = await runCli(["refresh", "--force"], env, dir);
      expect(again.stderr).toBe("");
      expect(again.code).toBe(0);
    } finally {
      await second.child.stop();
    }
  });

  it("--redirect-url at the console's callback: 'Log in manually' in the console completes against it", async () => {
    const consolePort = await findUnusedPort();
    const callback = `http://127.0.0.1:${consolePort}/auth/callback`;
    const sim = await simulatorCli([
      "--login-port",
      "0",
      "--api-port",
      "0",
      "--redirect-url",
      callback,
    ]);
    const dir = tempDir();
    const tokenFile = path.join(dir, "token.json");
    const served = startLineChild(CLI, { ...sim.settings, TOKEN_FILE: tokenFile }, dir, [
      "serve",
      "--port",
      String(consolePort),
    ]);
    try {
      expect(sim.settings["KITE_REDIRECT_URL"]).toBe(callback);
      await served.waitFor((line) => line.startsWith("Token console on"));
      const info = (await (
        await fetch(`http://127.0.0.1:${consolePort}/api/token/refresh-info`)
      ).json()) as { login_url: string; callback_url: string };
      expect(info.callback_url).toBe(callback);
      // The person's browser: Kite's login, then the redirect to the console's callback.
      const { callbackUrl } = await requestTokenOverHttp(asSimulator(sim.settings), info.login_url);
      expect(callbackUrl.startsWith(`${callback}?`)).toBe(true);
      const page = await fetch(callbackUrl);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Token saved");
      expect(existsSync(tokenFile)).toBe(true);
    } finally {
      await served.stop();
      await sim.child.stop();
    }
  });

  it("refuses a --redirect-url that is not an http(s) URL", async () => {
    const result = await runCli(
      ["simulator", "--redirect-url", "localhost:8079/cb"],
      {},
      tempDir(),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--redirect-url localhost:8079/cb is not an http(s) URL");
  });
});
