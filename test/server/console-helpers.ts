import path from "node:path";
import { createApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { startConsole, type RunningConsole, type ServeOptions } from "../../src/server/serve.js";
import { simulatorSettings, type Simulator } from "../../src/simulator/index.js";
import { tempDir } from "../helpers/setup.js";

export const ADMIN = "console-admin-token-0123456789";
export const AUTH = { authorization: `Bearer ${ADMIN}` };

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
