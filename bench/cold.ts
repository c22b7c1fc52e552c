import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findChromium } from "../src/adapters/login/chromium.js";
import {
  msLeftInWindow,
  TOTP_MIN_REMAINING_MS,
  TOTP_PERIOD_MS,
} from "../src/adapters/login/totp.js";
import { simulatorSettings, type Simulator } from "../src/adapters/simulator/index.js";
import { CLI } from "../test/helpers/cli.js";
import { chromiumOwnedBy } from "../test/helpers/processes.js";
import { tempDir } from "../test/helpers/setup.js";
import { floorAccount, type FloorOnce } from "./floor.js";
import { chromedriverPath, type SeleniumJob } from "./selenium.js";
import { summarise } from "./stats.js";

/**
 * The cold whole process, what a morning's `npm run refresh` from cron costs: each run is a
 * fresh process, timed from its spawn to its exit, against the simulator on loopback. The
 * subjects alternate run by run (the order turns each round), so that a machine busy with
 * something else slows them alike; the ratios to the floor within one run are the figures
 * to read.
 */
export type ColdSubject = "node" | "status" | "http" | "browser" | "floor" | "selenium";

export const COLD_SUBJECTS: ColdSubject[] = [
  "node",
  "status",
  "http",
  "browser",
  "floor",
  "selenium",
];

/** The subjects that log in (and so send a TOTP code). */
const LOGS_IN = new Set<ColdSubject>(["http", "browser", "floor", "selenium"]);

export const COLD_LABELS: Record<ColdSubject, string> = {
  node: "`node -e ''` (Node's own start)",
  status: "`kite-token status` (token valid, checked with Kite)",
  http: "`kite-token refresh --force`, `LOGIN_STRATEGY=http`",
  browser: "`kite-token refresh --force`, `LOGIN_STRATEGY=browser`",
  floor: "bare Playwright script (the floor)",
  selenium: "Selenium WebDriver + chromedriver script, explicit waits",
};

export interface ColdTarget {
  /** What is aimed at, in words. */
  text: string;
  met: boolean;
  /** By how much it is missed (or met), in words. */
  by: string;
}

export interface ColdRow {
  subject: ColdSubject;
  /** Wall times of the counted runs (ms, spawn to exit). */
  runsMs: number[];
  p50Ms: number;
  minMs: number;
  maxMs: number;
  /** p50 / the floor's p50 in the same run. */
  ratioToFloor: number;
  /** Runs that did not exit 0, with the first line they printed on stderr. */
  failures: string[];
  /** Why the subject was not run at all (no chromedriver), else undefined. */
  notRun?: string;
  /** Chromium processes of a run still there after it exited (browser subjects). */
  chromiumLeft: number;
  target?: ColdTarget;
}

export interface ColdResult {
  /** Counted rounds (one more, uncounted, warms the OS's file cache first). */
  runs: number;
  rows: ColdRow[];
}

const here = path.dirname(fileURLToPath(import.meta.url));

interface Job {
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Written to the child's stdin (the bare scripts' settings: never on a command line). */
  input?: string;
}

/** Spawn to exit, in ms; rejects with the child's first stderr line when it fails. */
function timed(job: Job): Promise<{ ms: number; pid: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, job.args, {
      cwd: job.cwd,
      env: job.env,
      stdio: [job.input === undefined ? "ignore" : "pipe", "ignore", "pipe"],
    });
    child.stdin?.end(job.input);
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, pid: child.pid ?? 0 });
      else {
        const first = stderr.trim().split("\n")[0] ?? "";
        reject(new Error(`exit ${code ?? signal}${first ? `: ${first.slice(0, 200)}` : ""}`));
      }
    });
  });
}

/**
 * A login starts only with enough of the TOTP window left that none of the subjects waits
 * for the next one: kite-token waits when fewer than 5 s are left (a deliberate safety
 * cost, up to 5 s one morning in six), the bare scripts never do. Not counted here.
 */
async function untilFreshWindow(): Promise<void> {
  const needed = TOTP_MIN_REMAINING_MS + 6000;
  const left = msLeftInWindow(Date.now());
  if (left >= needed && left <= TOTP_PERIOD_MS) return;
  await new Promise((resolve) => setTimeout(resolve, left + 100));
}

export interface ColdOptions {
  /** The subjects to run (default: all), in this order in the first counted round. */
  subjects?: ColdSubject[];
  /** Where CHROMEDRIVER_PATH is read (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}

export async function coldBench(
  sim: Simulator,
  runs: number,
  options: ColdOptions = {},
): Promise<ColdResult> {
  const subjects = options.subjects ?? COLD_SUBJECTS;
  const { executablePath } = await findChromium(process.env["BROWSER_PATH"]);
  const env = options.env ?? process.env;
  const driverPath = chromedriverPath(env);
  const noDriver = `not run: no chromedriver (${
    env["CHROMEDRIVER_PATH"]
      ? `CHROMEDRIVER_PATH names ${env["CHROMEDRIVER_PATH"]}, which does not exist`
      : "no /usr/bin/chromedriver"
  }; install Debian's chromium-driver, or set CHROMEDRIVER_PATH)`;
  const dir = tempDir("kt-bench-cold-");
  const base: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? "/tmp",
    ...(process.env["BROWSER_PATH"] ? { BROWSER_PATH: process.env["BROWSER_PATH"] } : {}),
  };
  const cli = (strategy: string): NodeJS.ProcessEnv => ({
    ...base,
    ...simulatorSettings(sim),
    TOKEN_FILE: path.join(dir, "token.json"),
    LOGIN_STRATEGY: strategy,
  });
  const account = floorAccount(sim);
  // Per run: CI runs this benchmark in two suites at once, and each must count only its own.
  const floorTag = `bench-cold-floor-${process.pid}`;
  const seleniumTag = `bench-cold-selenium-${process.pid}`;
  const jobs: Record<ColdSubject, Job | undefined> = {
    node: { args: ["-e", ""], env: base, cwd: dir },
    status: { args: [CLI, "status"], env: cli("http"), cwd: dir },
    http: { args: [CLI, "refresh", "--force"], env: cli("http"), cwd: dir },
    browser: { args: [CLI, "refresh", "--force"], env: cli("browser"), cwd: dir },
    floor: {
      args: [path.join(here, "floor.js"), "once"],
      env: base,
      cwd: dir,
      input: JSON.stringify({ executablePath, tag: floorTag, account } as FloorOnce),
    },
    selenium: driverPath
      ? {
          args: [path.join(here, "selenium.js")],
          env: base,
          cwd: dir,
          input: JSON.stringify({
            executablePath,
            driverPath,
            tag: seleniumTag,
            account,
          } as SeleniumJob),
        }
      : undefined,
  };
  const times = new Map<ColdSubject, number[]>(subjects.map((s) => [s, []]));
  const failures = new Map<ColdSubject, string[]>(subjects.map((s) => [s, []]));
  const left = new Map<ColdSubject, number>(subjects.map((s) => [s, 0]));
  // Round -1 is uncounted: it saves the token `status` reads and warms the file cache.
  for (let round = -1; round < runs; round += 1) {
    const order = subjects.map(
      (_, i) => subjects[(i + Math.max(round, 0)) % subjects.length] as ColdSubject,
    );
    // `status` needs a saved token: the warm-up round logs in before it.
    if (round < 0) order.sort((a, b) => Number(a === "status") - Number(b === "status"));
    for (const subject of order) {
      const job = jobs[subject];
      if (!job) continue;
      if (LOGS_IN.has(subject)) await untilFreshWindow();
      try {
        const { ms, pid } = await timed(job);
        if (subject === "browser")
          left.set(subject, left.get(subject)! + chromiumOwnedBy(pid).length);
        if (round >= 0) times.get(subject)!.push(ms);
      } catch (error) {
        if (round >= 0) failures.get(subject)!.push((error as Error).message);
        else if (subject !== "selenium") throw error;
      }
    }
  }
  left.set("floor", chromiumOwnedBy(floorTag).length);
  left.set("selenium", chromiumOwnedBy(seleniumTag).length);
  const floorP50 = summarise(times.get("floor") ?? []).p50;
  const rows = subjects.map((subject): ColdRow => {
    const values = times.get(subject) ?? [];
    const summary = summarise(values);
    return {
      subject,
      runsMs: values.map((v) => Math.round(v)),
      p50Ms: summary.p50,
      minMs: values.length > 0 ? Math.min(...values) : Number.NaN,
      maxMs: summary.max,
      ratioToFloor: summary.p50 / floorP50,
      failures: failures.get(subject) ?? [],
      ...(jobs[subject] ? {} : { notRun: noDriver }),
      chromiumLeft: left.get(subject) ?? 0,
    };
  });
  for (const row of rows) {
    const target = coldTarget(row, rows);
    if (target) row.target = target;
  }
  return { runs, rows };
}

const pct = (ratio: number): string => `${Math.abs(Math.round((ratio - 1) * 100))} %`;

/** The issue's targets, as measured in this run. */
function coldTarget(row: ColdRow, rows: ColdRow[]): ColdTarget | undefined {
  if (row.notRun || row.runsMs.length === 0) return undefined;
  const p50 = row.p50Ms;
  switch (row.subject) {
    case "status":
    case "http": {
      const limit = row.subject === "status" ? 120 : 200;
      return {
        text: `≤ ${limit} ms`,
        met: p50 <= limit,
        by: `${p50 <= limit ? "under" : "over"} by ${Math.round(Math.abs(p50 - limit))} ms`,
      };
    }
    case "browser": {
      const selenium = rows.find((r) => r.subject === "selenium");
      const vsSelenium =
        selenium && !selenium.notRun && selenium.runsMs.length > 0
          ? p50 / selenium.p50Ms
          : undefined;
      const floorMet = row.ratioToFloor <= 1.1;
      const seleniumMet = vsSelenium === undefined ? undefined : vsSelenium < 1;
      return {
        text: "≤ 1.1× the floor, and faster than Selenium",
        met: floorMet && seleniumMet !== false,
        by: [
          `${row.ratioToFloor.toFixed(2)}× the floor`,
          vsSelenium === undefined
            ? "Selenium not measured"
            : `${pct(vsSelenium)} ${vsSelenium < 1 ? "faster" : "slower"} than Selenium`,
        ].join("; "),
      };
    }
    default:
      return undefined;
  }
}

const ms = (v: number): string => (Number.isNaN(v) ? "—" : `${Math.round(v)}`);

export function coldMarkdown(result: ColdResult): string[] {
  return [
    `Cold whole processes (each run a fresh process, spawn to exit, against the simulator on loopback; the subjects alternate run by run; ${result.runs} counted rounds after one uncounted):`,
    "",
    "| subject | runs | p50 ms | min ms | max ms | p50 / floor | target | met? |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ...result.rows.map((r) => {
      if (r.notRun) return `| ${COLD_LABELS[r.subject]} | 0 | ${r.notRun} | | | | | |`;
      const failed = r.failures.length > 0 ? ` (${r.failures.length} failed)` : "";
      const target = r.target
        ? `${r.target.text} | ${r.target.met ? "met" : "missed"}: ${r.target.by}`
        : "— | —";
      return `| ${COLD_LABELS[r.subject]} | ${r.runsMs.length}${failed} | ${ms(r.p50Ms)} | ${ms(r.minMs)} | ${ms(r.maxMs)} | ${r.ratioToFloor.toFixed(2)}× | ${target} |`;
    }),
    ...result.rows.flatMap((r) =>
      r.failures.length > 0 ? [``, `${COLD_LABELS[r.subject]} failed: ${r.failures[0]}`] : [],
    ),
    "",
    `Chromium left behind after the runs: ${result.rows
      .filter((r) => ["browser", "floor", "selenium"].includes(r.subject))
      .map((r) => `${r.subject} ${r.chromiumLeft}`)
      .join(", ")}.`,
    `Load average at the end of the cold rounds: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}.`,
    "A login starts only with more than 11 s left in its TOTP window, so that no subject waits for the next one (kite-token waits when under 5 s are left: a safety cost of up to 5 s, one morning in six, not counted here).",
  ];
}
