import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AccountsResult } from "./accounts.js";
import type { Subject, SubjectResult } from "./child.js";
import { startSimulator } from "../src/adapters/simulator/index.js";
import { startAccounts } from "../test/accounts/helpers.js";
import { idleWorker, type IdleFigure } from "./idle.js";
import { coldBench, coldMarkdown, type ColdResult } from "./cold.js";
import { describeMachine, type Machine } from "./machine.js";
import { summarise, type Summary } from "./stats.js";

/**
 * `npm run bench [-- --quick | --runs N] [--cold-runs N] [--cold-only]`: first the cold
 * whole processes (cold.ts: Node's start, `kite-token status`, `kite-token refresh --force`
 * over HTTP and with the browser, the bare Playwright floor and a Selenium script, each run
 * a fresh process, alternating), then the warm refresh N times per login strategy inside one
 * process beside the floor, the idle worker and the many-accounts batches; Markdown tables
 * on stdout and the same numbers as JSON under bench/results/. It only reports: slow
 * numbers do not fail it (a run of ours that fails does).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const script = (name: string): string => path.join(here, `${name}.js`);
const SUBJECTS: Subject[] = ["floor", "browser", "http"];
/** The idle worker over an accounts file: this many accounts. */
const IDLE_ACCOUNTS = 10;
const STEPS = ["login", "exchange", "verify", "save"] as const;

/** `--runs N` (warm runs, default 20) or `--cold-runs N` (cold rounds, default 10); 3 in quick mode. */
function runsWanted(argv: string[], option: "--runs" | "--cold-runs", byDefault: number): number {
  if (argv.includes("--quick")) return 3;
  const at = argv.indexOf(option);
  const n = at >= 0 ? Number(argv[at + 1]) : byDefault;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${option} needs a whole number of runs`);
  return n;
}

function child(name: string, args: string[], until?: (line: string) => boolean) {
  const proc = spawn(process.execPath, ["--expose-gc", script(name), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const firstLine = new Promise<string>((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n")[0] ?? "";
      if (out.includes("\n") && (until?.(line) ?? true)) resolve(line);
    });
    proc.on("exit", (code) => reject(new Error(`bench child ${args[0]} exited with ${code}`)));
  });
  return { proc, firstLine };
}

interface SubjectReport {
  subject: Subject;
  runs: number;
  /** The first run: the login host forked, Playwright loaded (browser subject). */
  coldWallMs: number;
  wallMs: Summary;
  stepsP50Ms: Record<string, number>;
  nodePeakRssMiB: number;
  hostPeakRssMiB: number;
  chromiumPeakRssMiB: number;
  chromiumLeftAfterRuns: number;
}

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

function report(result: SubjectResult): SubjectReport {
  const steps: Record<string, number> = {};
  for (const step of STEPS) {
    const values = result.runs.map((r) => r.steps[step]).filter((v) => v !== undefined);
    if (values.length > 0) steps[step] = summarise(values).p50;
  }
  return {
    subject: result.subject,
    runs: result.runs.length,
    coldWallMs: result.cold.totalMs,
    wallMs: summarise(result.runs.map((r) => r.totalMs)),
    stepsP50Ms: steps,
    nodePeakRssMiB: mib(result.nodePeakRssBytes),
    hostPeakRssMiB: mib(result.hostPeakRssBytes),
    chromiumPeakRssMiB: mib(result.chromiumPeakRssBytes),
    chromiumLeftAfterRuns: result.chromiumLeftAfterRuns,
  };
}

interface AccountsReport {
  concurrency: number;
  batches: number;
  oneP50Ms: number;
  tenP50Ms: number;
  ratio: number;
  /** What each account after the first adds: (ten − one) / 9. */
  furtherMs: number;
  failures: string[];
  /** The bare Playwright floor's batches, alternating with ours. */
  floor: { oneP50Ms: number; tenP50Ms: number; ratio: number; furtherMs: number };
}

function batchFigures(batches: Record<string, number[]>) {
  const one = summarise(batches["1"] ?? []).p50;
  const ten = summarise(batches["10"] ?? []).p50;
  return { oneP50Ms: one, tenP50Ms: ten, ratio: ten / one, furtherMs: (ten - one) / 9 };
}

function accountsReport(result: AccountsResult): AccountsReport {
  return {
    concurrency: result.concurrency,
    batches: result.batches["10"]?.length ?? 0,
    ...batchFigures(result.batches),
    failures: result.failures,
    floor: batchFigures(result.floor),
  };
}

function accountsMarkdown(rows: AccountsReport[]): string[] {
  return [
    "",
    "Many accounts (`refreshAccounts`, what `kite-token refresh` and the worker run with an accounts file; one simulator per account; each batch forks its own login host, which loads Playwright and starts its own Chromium). Beside it, alternating with it, the bare Playwright floor over the same accounts: a fresh process per batch loading Playwright, one Chromium, a context per login, as many at a time, each login followed by a bare exchange:",
    "",
    "| CONCURRENCY | batches | subject | 1 account p50 ms | 10 accounts p50 ms | each further account ms | 10 accounts / 1 | failed logins |",
    "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows.flatMap((r) => [
      `| ${r.concurrency} | ${r.batches} | refreshAccounts | ${ms(r.oneP50Ms)} | ${ms(r.tenP50Ms)} | ${ms(r.furtherMs)} | ${r.ratio.toFixed(2)}× | ${r.failures.length} |`,
      `| ${r.concurrency} | ${r.batches} | bare Playwright floor | ${ms(r.floor.oneP50Ms)} | ${ms(r.floor.tenP50Ms)} | ${ms(r.floor.furtherMs)} | ${r.floor.ratio.toFixed(2)}× | — |`,
    ]),
  ];
}

const ms = (v: number | undefined): string => (v === undefined ? "—" : `${Math.round(v)}`);

const label = (subject: Subject): string =>
  subject === "floor" ? "bare Playwright floor" : `refresh, LOGIN_STRATEGY=${subject}`;

function idleLine(what: string, f: IdleFigure | undefined): string {
  if (!f) return `- ${what}: not measured`;
  return `- ${what} (startup refresh: ${f.startup}): **${mib(f.settledRssBytes)} MiB** RSS settled, ${mib(f.rssBytes)} MiB right after the host's grace; descendants: ${f.descendants}${f.descendants > 0 ? ` (${mib(f.descendantsRssBytes)} MiB)` : ""}`;
}

function machineLine(machine: Machine): string {
  return `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; ${machine.chromium}; playwright-core ${machine.playwrightCore}; load average at start ${machine.loadAverage.join(" / ")}.`;
}

function markdown(
  rows: SubjectReport[],
  idle: IdleFigure[],
  ratio: { refresh: number; login: number },
  accounts: AccountsReport[],
): string {
  const lines = [
    `Load average now: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}.`,
    "",
    "| subject | cold run ms | warm runs | wall p50 ms | p95 ms | max ms | login p50 | exchange p50 | verify p50 | save p50 | main Node peak RSS MiB | login host peak RSS MiB | Chromium peak RSS MiB |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${label(r.subject)} | ${ms(r.coldWallMs)} | ${r.runs} | ${ms(r.wallMs.p50)} | ${ms(r.wallMs.p95)} | ${ms(r.wallMs.max)} | ${ms(r.stepsP50Ms["login"])} | ${ms(r.stepsP50Ms["exchange"])} | ${ms(r.stepsP50Ms["verify"])} | ${ms(r.stepsP50Ms["save"])} | ${r.nodePeakRssMiB} | ${r.subject === "browser" ? r.hostPeakRssMiB : "— (none)"} | ${r.subject === "http" ? "— (none started)" : r.chromiumPeakRssMiB} |`,
    ),
    "",
    `Browser refresh p50 / floor p50 (warm runs): **${ratio.refresh.toFixed(2)}×** (login step alone: ${ratio.login.toFixed(2)}×).`,
    "",
    "The cold run is the first one (not in the warm figures): for the browser it forks the login host and loads Playwright there. The main process and the login host are separate columns (not summed); the floor runs Playwright in its main process.",
    "",
    "The idle worker (`kite-token worker`, schedule far away) after its startup refresh and the login host's idle grace (2 s here), then settled: the most seen over the last 5 s of a further 15 s of waiting, once V8's idle-time garbage collection has given memory back:",
    "",
    idleLine(
      "token still valid at start, no login yet",
      idle.find((f) => f.mode === "valid-token"),
    ),
    idleLine(
      "after a browser login",
      idle.find((f) => f.mode === "browser"),
    ),
    idleLine(
      "after an HTTP login",
      idle.find((f) => f.mode === "http"),
    ),
    idleLine(
      `over an accounts file of ${IDLE_ACCOUNTS} accounts, after a browser login for each`,
      idle.find((f) => f.mode === "accounts"),
    ),
    "",
    ...accountsMarkdown(accounts),
    "",
    "Chromium memory is the summed RSS of its processes (shared pages counted once per process). TOTP window waits are skipped in the benchmark (the clock moves instead of sleeping).",
  ];
  return lines.join("\n");
}

const argv = process.argv.slice(2);
const runs = runsWanted(argv, "--runs", 20);
const coldRuns = runsWanted(argv, "--cold-runs", 10);
const machine = await describeMachine();
process.stdout.write(`${machineLine(machine)}\n\n`);
process.stderr.write(`bench: cold whole processes, ${coldRuns} rounds…\n`);
const coldSim = await startSimulator();
const cold: ColdResult = await coldBench(coldSim, coldRuns).finally(() => coldSim.close());
process.stdout.write(`${coldMarkdown(cold).join("\n")}\n`);
// Ours failing is an error of ours (slow is not); the Selenium script is not ours.
if (cold.rows.some((r) => r.subject !== "selenium" && r.failures.length > 0)) process.exitCode = 1;
if (argv.includes("--cold-only")) {
  saveJson({ date: new Date().toISOString(), machine, cold });
  process.exit();
}
const results: SubjectReport[] = [];
for (const subject of SUBJECTS) {
  process.stderr.write(`bench: ${subject}, ${runs} runs…\n`);
  const { firstLine } = child("child", [subject, String(runs)]);
  results.push(report(JSON.parse(await firstLine) as SubjectResult));
}
process.stderr.write("bench: the idle worker…\n");
const sim = await startSimulator();
const idle: IdleFigure[] = [];
for (const mode of ["valid-token", "browser", "http"] as const)
  idle.push(await idleWorker(sim, mode));
const idleAccounts = await startAccounts(IDLE_ACCOUNTS);
idle.push(await idleWorker(sim, "accounts", idleAccounts));
await Promise.all([sim.close(), ...idleAccounts.map((s) => s.close())]);
const floor = results.find((r) => r.subject === "floor");
const browser = results.find((r) => r.subject === "browser");
const ratio = {
  refresh: (browser?.wallMs.p50 ?? NaN) / (floor?.wallMs.p50 ?? NaN),
  login: (browser?.stepsP50Ms["login"] ?? NaN) / (floor?.stepsP50Ms["login"] ?? NaN),
};
// Many accounts: the default CONCURRENCY in quick mode, a few settings otherwise.
const accounts: AccountsReport[] = [];
for (const concurrency of runs <= 3 ? [2] : [1, 2, 4]) {
  const batches = Math.min(runs, 5);
  process.stderr.write(`bench: accounts, CONCURRENCY=${concurrency}, ${batches} batches…\n`);
  const { firstLine } = child("accounts", [String(batches), String(concurrency)]);
  accounts.push(accountsReport(JSON.parse(await firstLine) as AccountsResult));
}
const text = markdown(results, idle, ratio, accounts);
process.stdout.write(`\nWarm runs inside one process:\n\n${text}\n`);
saveJson({ date: new Date().toISOString(), runs, machine, cold, results, idle, ratio, accounts });

function saveJson(value: object): void {
  const dir = path.join(here, "..", "..", "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  process.stdout.write(`\nJSON: ${path.relative(process.cwd(), file)}\n`);
}
