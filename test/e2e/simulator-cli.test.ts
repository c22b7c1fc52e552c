import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { expect } from "expect";
import { CLI } from "../helpers/cli.js";
import { tempDir } from "../helpers/setup.js";

describe("kite-token simulator", () => {
  it("serves the simulator, prints the settings that point at it, and stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [CLI, "simulator", "--login-port", "0", "--api-port", "0", "--first-use"],
      {
        cwd: tempDir(),
        env: { PATH: process.env["PATH"] ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    const deadline = Date.now() + 15_000;
    while (!stdout.includes("Ctrl-C stops it") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const setting = (name: string): string =>
      new RegExp(`^  ${name}=(.*)$`, "m").exec(stdout)?.[1] ?? "";
    const loginUrl = setting("KITE_LOGIN_URL");
    expect(loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connect\/login$/);
    expect(setting("KITE_API_ROOT")).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(setting("KITE_TOTP_SECRET")).toMatch(/^[A-Z2-7]{16,}$/);

    const state = (await (await fetch(new URL("/__sim/state", loginUrl))).json()) as {
      scenario: { firstUse: boolean };
    };
    expect(state.scenario.firstUse).toBe(true);
    const profile = await fetch(`${setting("KITE_API_ROOT")}/user/profile`);
    expect(profile.status).toBe(403);
    expect(await profile.json()).toMatchObject({ status: "error", error_type: "TokenException" });

    child.kill("SIGTERM");
    const [code] = (await once(child, "close")) as [number | null];
    expect(code).toBe(0);
  });
});
