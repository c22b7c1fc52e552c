import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { findChromium } from "../../src/login/chromium.js";
import { tempDir } from "../helpers/setup.js";

function fakeExecutable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, "#!/bin/sh\n");
  chmodSync(file, 0o755);
  return file;
}

describe("findChromium", () => {
  it("uses BROWSER_PATH first, and names it when it is not executable", async () => {
    const dir = tempDir();
    const exe = fakeExecutable(dir, "my-chrome");
    expect(await findChromium(exe, "")).toEqual({ executablePath: exe, source: "BROWSER_PATH" });
    await expect(findChromium(path.join(dir, "missing"), "")).rejects.toMatchObject({
      code: "BROWSER_NOT_FOUND",
      message: expect.stringContaining(`BROWSER_PATH is set to ${path.join(dir, "missing")}`),
    });
  });

  it("finds a system Chromium on the PATH, in order of preference", async () => {
    const dir = tempDir();
    const chrome = fakeExecutable(path.join(dir, "b"), "google-chrome");
    const chromium = fakeExecutable(path.join(dir, "a"), "chromium");
    expect(await findChromium(undefined, `${path.join(dir, "b")}:${path.join(dir, "a")}`)).toEqual({
      executablePath: chromium,
      source: "PATH",
    });
    expect(await findChromium(undefined, path.join(dir, "b"))).toEqual({
      executablePath: chrome,
      source: "PATH",
    });
  });

  it("prefers the headless shell to the full browser when both are on the PATH", async () => {
    const dir = tempDir();
    fakeExecutable(path.join(dir, "full"), "chromium");
    const shell = fakeExecutable(path.join(dir, "shell"), "chromium-headless-shell");
    const envPath = `${path.join(dir, "full")}:${path.join(dir, "shell")}`;
    expect(await findChromium(undefined, envPath)).toEqual({
      executablePath: shell,
      source: "PATH",
    });
  });

  it("fails naming all three places when none has a browser", async () => {
    const previous = process.env["PLAYWRIGHT_BROWSERS_PATH"];
    process.env["PLAYWRIGHT_BROWSERS_PATH"] = tempDir(); // an empty Playwright browser cache
    try {
      await expect(findChromium(undefined, tempDir())).rejects.toMatchObject({
        code: "BROWSER_NOT_FOUND",
        message: expect.stringMatching(
          /BROWSER_PATH is not set, none of chromium-headless-shell, chrome-headless-shell, chromium, chromium-browser, google-chrome.* is on the PATH, and Playwright has no browser/,
        ),
      });
    } finally {
      if (previous === undefined) delete process.env["PLAYWRIGHT_BROWSERS_PATH"];
      else process.env["PLAYWRIGHT_BROWSERS_PATH"] = previous;
    }
  });
});
