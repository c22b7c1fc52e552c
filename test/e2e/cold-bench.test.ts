import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { coldBench, coldMarkdown, COLD_SUBJECTS } from "../../bench/cold.js";
import { chromedriverPath } from "../../bench/selenium.js";

/**
 * The cold benchmark's quick smoke: one counted round of every subject, each a fresh
 * process against the simulator, as `npm run bench -- --quick` runs it in CI.
 */
describe("the cold whole-process benchmark", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });

  it("times every subject as a fresh process, with ratios to the floor and the targets", async () => {
    const result = await coldBench(sim, 1);
    expect(result.rows.map((r) => r.subject)).toEqual(COLD_SUBJECTS);
    const seleniumRuns = chromedriverPath() !== undefined;
    for (const row of result.rows) {
      if (row.subject === "selenium" && !seleniumRuns) continue;
      expect({ subject: row.subject, failures: row.failures }).toEqual({
        subject: row.subject,
        failures: [],
      });
      expect(row.runsMs).toHaveLength(1);
      expect(row.chromiumLeft).toBe(0);
    }
    const floor = result.rows.find((r) => r.subject === "floor");
    expect(floor?.ratioToFloor).toBe(1);
    const browser = result.rows.find((r) => r.subject === "browser");
    expect(browser?.target?.text).toMatch(/1\.1× the floor/);
    const text = coldMarkdown(result).join("\n");
    expect(text).toMatch(/`kite-token status`.*\| ≤ 120 ms \| (met|missed): /);
    expect(text).toMatch(/LOGIN_STRATEGY=http`.*\| ≤ 200 ms \| (met|missed): /);
    expect(text).toMatch(/Selenium WebDriver/);
  });

  it("says plainly that the Selenium script was not run when there is no chromedriver", async () => {
    const result = await coldBench(sim, 1, {
      subjects: ["node", "selenium"],
      env: { CHROMEDRIVER_PATH: "/nonexistent/chromedriver" },
    });
    const selenium = result.rows.find((r) => r.subject === "selenium");
    expect(selenium?.notRun).toMatch(/not run: no chromedriver.*\/nonexistent\/chromedriver/);
    expect(coldMarkdown(result).join("\n")).toMatch(
      /\| Selenium WebDriver \+ chromedriver script, explicit waits \| 0 \| not run: no chromedriver/,
    );
  });
});
