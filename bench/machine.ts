import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { findChromium } from "../src/adapters/login/chromium.js";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string;
  playwrightCore: string;
  loadAverage: number[];
}

/** What the numbers were measured on. */
export async function describeMachine(): Promise<Machine> {
  let chromium = "not found";
  try {
    const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
    chromium = execFileSync(executablePath, ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    // Reported as not found.
  }
  const playwright = JSON.parse(
    readFileSync(
      new URL("../../node_modules/playwright-core/package.json", import.meta.url),
      "utf8",
    ),
  ) as { version: string };
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium,
    playwrightCore: playwright.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
