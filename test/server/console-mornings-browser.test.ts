import { mkdirSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { expect } from "expect";
import type { Browser, Locator, Page } from "playwright-core";
import { packageRoot } from "../../src/core/package-root.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { formatIst, formatIstShort, fromIstParts, istParts } from "../../src/core/time.js";
import { Schedule } from "../../src/worker/schedule.js";
import type { RunRecord } from "../../src/adapters/state/state.js";
import { consolePageFixture, forTheDocs, untilText } from "./console-page.js";
import { ADMIN, historyRun } from "./console-helpers.js";

const SHOTS = path.join(packageRoot(), "test-artifacts", "console");
const DAY_MS = 24 * 60 * 60 * 1000;

/** The colours of the strip's marks (console.css), as Chromium computes them. */
const COLOUR: Record<string, [number, number, number]> = {
  refreshed: [19, 115, 51],
  failed: [179, 38, 30],
  skipped: [143, 163, 191],
  none: [213, 217, 223],
};
const WHITE: [number, number, number] = [255, 255, 255];

type Seeded = { outcome: string; loginMs: number | null };

/**
 * Thirty IST mornings of history, oldest first (index 29 is today): refreshed by the
 * schedule with a login of 2–6 s, except a failed day, a day that failed and was refreshed
 * ten minutes later, a day without a run, a day the token was already valid, and a day
 * saved by a manual paste (no login).
 */
function seedHistory(now: Date): {
  runs: RunRecord[];
  days: string[];
  expected: Seeded[];
  todayAt: Date;
} {
  const runs: RunRecord[] = [];
  const days: string[] = [];
  const expected: Seeded[] = [];
  const today = istParts(now);
  let todayAt = now;
  const run = historyRun;
  const refreshed = (loginMs: number) => [
    { step: "check", ms: 120 },
    { step: "lock", ms: 2 },
    { step: "login", ms: loginMs },
    { step: "exchange", ms: 300 },
    { step: "verify", ms: 20 },
    { step: "save", ms: 3 },
  ];
  for (let i = 0; i < 30; i += 1) {
    const at830 = fromIstParts({ ...today, hour: 8, minute: 30, second: 0 }).getTime();
    const midnight = fromIstParts({ ...today, hour: 0, minute: 0, second: 0 }).getTime();
    // Today's run is in the past even before 08:30 IST.
    const morning = new Date(
      i === 29
        ? Math.max(midnight, Math.min(at830, now.getTime() - 60_000))
        : at830 - (29 - i) * DAY_MS,
    );
    days.push(formatIst(morning).slice(0, 10));
    todayAt = morning;
    const later = new Date(morning.getTime() + 10 * 60_000);
    const loginMs = 2000 + ((i * 733) % 4000);
    if (i === 3) {
      runs.push(run(morning, "schedule", "failed", [{ step: "login", ms: 4100 }], "TOTP_REJECTED"));
      expected.push({ outcome: "failed", loginMs: null });
    } else if (i === 10) {
      runs.push(
        run(morning, "schedule", "failed", [{ step: "login", ms: 900 }], "KITE_UNAVAILABLE"),
      );
      runs.push(run(later, "schedule", "refreshed", refreshed(2500)));
      expected.push({ outcome: "refreshed", loginMs: 2500 });
    } else if (i === 17) {
      expected.push({ outcome: "none", loginMs: null });
    } else if (i === 22) {
      runs.push(run(morning, "startup", "skipped", [{ step: "check", ms: 150 }]));
      expected.push({ outcome: "skipped", loginMs: null });
    } else if (i === 25) {
      runs.push(
        run(morning, "schedule", "failed", [{ step: "login", ms: 20_000 }], "LOGIN_PAGE_CHANGED"),
      );
      runs.push(run(later, "console paste", "refreshed", refreshed(0).slice(3)));
      expected.push({ outcome: "refreshed", loginMs: null });
    } else {
      runs.push(run(morning, "schedule", "refreshed", refreshed(loginMs)));
      expected.push({ outcome: "refreshed", loginMs });
    }
  }
  return { runs, days, expected, todayAt };
}

/** The RGB of each (x, y) of a PNG, read back in a blank page's canvas. */
async function pixelsOf(
  browser: Browser,
  png: Buffer,
  points: Array<[number, number]>,
): Promise<Array<[number, number, number]>> {
  const blank = await browser.newPage();
  try {
    return await blank.evaluate(
      async ({ data, points }) => {
        const image = new Image();
        image.src = `data:image/png;base64,${data}`;
        await image.decode();
        const canvas = document.createElement("canvas");
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext("2d")!;
        context.drawImage(image, 0, 0);
        return points.map(([x, y]) => {
          const [r, g, b] = context.getImageData(x, y, 1, 1).data;
          return [r!, g!, b!] as [number, number, number];
        });
      },
      { data: png.toString("base64"), points },
    );
  } finally {
    await blank.close();
  }
}

const near = (a: [number, number, number], b: [number, number, number]): boolean =>
  a.every((v, i) => Math.abs(v - b[i]!) <= 6);

/**
 * The strip of the last 30 mornings on a small phone (360 px), in real headless Chromium,
 * over a seeded run history: one mark per IST day, its colour by how the day ended, a
 * refreshed day's height by its login's time; checked in the DOM and in the pixels of a
 * screenshot. The test's last screenshot is the README's (docs/console.png, rewritten when
 * UPDATE_SCREENSHOTS=1).
 */
describe("token console page: the last 30 mornings", () => {
  let server: RunningConsole;
  let browser: Browser;
  let page: Page;
  let card: Locator;
  let seeded: ReturnType<typeof seedHistory>;

  const fx = consolePageFixture({
    viewport: { width: 360, height: 800 },
    serve: { nextRun: () => new Schedule("30 8 * * *", "Asia/Kolkata").next() },
    seed: async (app) => {
      seeded = seedHistory(new Date());
      await app.state.update((state) => {
        state.runs.push(...seeded.runs);
      });
    },
  });
  before(() => {
    mkdirSync(SHOTS, { recursive: true });
    ({ server, browser, page, card } = fx);
  });

  it("draws one mark per day, coloured by outcome, as high as the login took", async () => {
    await page.goto(server.url);
    const strip = card.locator(".mornings");
    await strip.locator(".mark").nth(29).waitFor();
    const marks = await strip.locator(".mark").evaluateAll((nodes) =>
      nodes.map((n) => {
        const box = n.getBoundingClientRect();
        return {
          day: (n as HTMLElement).dataset["day"],
          outcome: (n as HTMLElement).dataset["outcome"],
          title: (n as HTMLElement).title,
          colour: getComputedStyle(n).backgroundColor,
          left: box.left,
          width: box.width,
          top: box.top,
          bottom: box.bottom,
          height: box.height,
        };
      }),
    );
    expect(marks.length).toBe(30);
    expect(marks.map((m) => m.day)).toEqual(seeded.days);
    expect(marks.map((m) => m.outcome)).toEqual(seeded.expected.map((e) => e.outcome));
    for (const m of marks) {
      const [r, g, b] = COLOUR[m.outcome!]!;
      expect([m.day, m.colour]).toEqual([m.day, `rgb(${r}, ${g}, ${b})`]);
      expect(m.width).toBeGreaterThanOrEqual(7); // readable on a 360 px phone
    }
    expect(await strip.getAttribute("aria-label")).toBe(
      "Last 30 mornings: 27 refreshed, 1 failed, 1 already valid, 1 without a run.",
    );
    expect(marks[10]?.title).toBe(
      `${seeded.days[10]}: refreshed, login 2.5 s, 1 failed run (last: KITE_UNAVAILABLE), 2 runs`,
    );

    // A refreshed day is as high as its login took, against the longest login shown.
    const timed = seeded.expected
      .map((e, i) => ({ ms: e.loginMs, height: marks[i]!.height }))
      .filter((t): t is { ms: number; height: number } => t.ms !== null)
      .sort((a, b) => a.ms - b.ms);
    for (let i = 1; i < timed.length; i += 1)
      expect(timed[i]!.height).toBeGreaterThanOrEqual(timed[i - 1]!.height);
    expect(timed.at(-1)!.height).toBeGreaterThan(timed[0]!.height * 1.5);
    expect(timed.at(-1)!.height).toBeCloseTo(marks[3]!.height, 0); // a failed day: full height
    expect(await card.locator(".mornings-scale").textContent()).toBe(
      `Height: the login's time (longest ${(Math.max(...timed.map((t) => t.ms)) / 1000).toFixed(1)} s).`,
    );

    // The pixels: each mark's colour at its foot; above a short mark, the card's white.
    const box = (await strip.boundingBox())!;
    const png = await strip.screenshot({ path: path.join(SHOTS, "mornings-strip.png") });
    const foot = marks.map((m): [number, number] => [
      Math.round(m.left - box.x + m.width / 2),
      Math.round(m.bottom - box.y - 2),
    ]);
    const above = marks.map((m): [number, number] => [
      Math.round(m.left - box.x + m.width / 2),
      Math.round(m.top - box.y - 2),
    ]);
    const [feet, tops] = await Promise.all([
      pixelsOf(browser, png, foot),
      pixelsOf(browser, png, above),
    ]);
    marks.forEach((m, i) => {
      expect([m.day, near(feet[i]!, COLOUR[m.outcome!]!)]).toEqual([m.day, true]);
      if (m.outcome !== "failed") expect([m.day, near(tops[i]!, WHITE)]).toEqual([m.day, true]);
    });
  });

  it("lists the last runs with who started them, and dates that do not wrap on a phone", async () => {
    await page.goto(server.url);
    const runs = card.locator(".runs li");
    await runs.nth(9).waitFor();
    expect(await runs.count()).toBe(10);
    const first = await runs.first().evaluate((li) => ({
      when: li.querySelector(".when")?.textContent,
      by: li.querySelector(".by")?.textContent,
      took: li.querySelector(".took")?.textContent,
    }));
    expect(first).toEqual({
      when: formatIstShort(seeded.todayAt),
      by: "worker, on schedule",
      took: `${((seeded.expected[29]!.loginMs! + 445) / 1000).toFixed(1)} s`,
    });
    await expect(
      runs.evaluateAll((items) => items.map((i) => i.querySelector(".by")?.textContent)),
    ).resolves.toContain("manual paste (console)");
    const right = (await card.boundingBox())!;
    const lines = await card.locator(".runs .when").evaluateAll((nodes) =>
      nodes.map((n) => ({
        rects: n.getClientRects().length,
        right: n.getBoundingClientRect().right,
      })),
    );
    for (const line of lines) {
      expect(line.rects).toBe(1);
      expect(line.right).toBeLessThanOrEqual(right.x + right.width);
    }
  });

  it("refreshes from the page: today's mark, the steps and the runs (the README's screenshot)", async () => {
    await page.goto(server.url);
    await page.getByLabel(/ADMIN_TOKEN/).fill(ADMIN);
    await page.getByRole("button", { name: "Use this token" }).click();
    await page.locator("#auth").waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "Refresh now (default)" }).click();
    await card
      .locator(".run-result p", { hasText: /^Refresh finished: refreshed/ })
      .waitFor({ timeout: 90_000 });
    await untilText(card.locator(".runs li .by").first(), "console (Refresh now)");
    expect(await card.locator(".mornings .mark").count()).toBe(30);
    expect(await card.locator(".mornings .mark").last().getAttribute("data-outcome")).toBe(
      "refreshed",
    );
    // The expiry, a date, stays on one line on this phone too.
    await card.locator(".expiry", { hasText: "IST" }).waitFor();
    const expiryLines = await card.locator(".expiry").evaluate((dd) => {
      const range = document.createRange();
      range.selectNodeContents(dd);
      return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
    });
    expect(expiryLines).toBe(1);
    const file = path.join(SHOTS, "console.png");
    await page.screenshot({ path: file, fullPage: true });
    forTheDocs(file, "console.png");
  });
});
