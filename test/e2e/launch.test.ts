import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { expect } from "expect";
import { findChromium } from "../../src/adapters/login/chromium.js";
import { launchChromium } from "../../src/adapters/login/launch.js";
import { chromiumOwnedBy } from "../helpers/processes.js";

/** The command line of a live process, one argument per entry. */
const argvOf = (pid: string): string[] =>
  readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

describe("launching Chromium for a login", () => {
  it("adds its lean flags without replacing Playwright's --disable-features list", async () => {
    const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
    const browser = await launchChromium({
      executablePath,
      noSandbox: undefined,
      timeoutMs: 15_000,
    });
    try {
      // Debian's wrapper scripts and the browser itself carry the same arguments.
      const pids = chromiumOwnedBy()
        .filter((line) => !line.includes("--type="))
        .map((line) => line.split(" ")[0] ?? "");
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) {
        const argv = argvOf(pid);
        expect(argv).toEqual(
          expect.arrayContaining(["--headless", "--disable-gpu", "--disable-quic"]),
        );
        // Chromium reads only the last --disable-features: a second one would switch
        // Playwright's (paint holding, media router, …) back on.
        const features = argv.filter((a) => a.startsWith("--disable-features="));
        expect(features).toHaveLength(1);
        expect(features[0]?.split("=")[1]?.split(",")).toEqual(
          expect.arrayContaining(["MediaRouter", "OptimizationHints"]),
        );
      }
    } finally {
      await browser.close();
    }
    expect(chromiumOwnedBy()).toEqual([]);
  });
});
