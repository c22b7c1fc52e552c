import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import type { App } from "../../src/runner/app.js";
import { ERROR_CODES } from "../../src/core/errors.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { formatIst, fromIstParts, istParts } from "../../src/core/time.js";
import { keepPresence, PresenceFile } from "../../src/adapters/state/presence.js";
import { AUTH, consoleFor, historyRun, readEvents, simApp } from "./console-helpers.js";

type Json = Record<string, unknown>;
const IST_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The runs and days the console's page draws from, over a seeded run history: every
 * run of the history (a console run of an earlier process too) with who started it, IST
 * times and the CLI's hint; one summary per IST day; and a failed console refresh with its
 * message, Kite's words and the hint, in its failed step and its end.
 */
describe("token console runs and mornings", () => {
  let sim: Simulator;
  let app: App;
  let server: RunningConsole;
  const now = new Date();
  const today = istParts(now);
  const midnight = fromIstParts({ ...today, hour: 0, minute: 0, second: 0 });
  const yesterday = (hour: number) =>
    new Date(fromIstParts({ ...today, hour, minute: 30, second: 0 }).getTime() - DAY_MS);
  const dayOf = (d: Date) => formatIst(d).slice(0, 10);
  const get = async (path: string, init: RequestInit = {}): Promise<Json> =>
    (await (await fetch(`${server.url}${path}`, init)).json()) as Json;

  before(async () => {
    sim = await startSimulator();
    // A console refresh goes through the real pipeline and fails at Kite's password check.
    app = simApp(sim, { LOGIN_STRATEGY: "http", KITE_PASSWORD: "wrong-password" });
    const login = [
      { step: "check", ms: 110 },
      { step: "login", ms: 3100 },
      { step: "exchange", ms: 250 },
    ];
    await app.state.update((state) => {
      state.runs.push(
        historyRun(yesterday(8), "schedule", "refreshed", login),
        historyRun(yesterday(9), "console", "skipped", [{ step: "check", ms: 140 }]),
        historyRun(
          new Date(Math.max(midnight.getTime(), now.getTime() - 120_000)),
          "cli",
          "failed",
          [{ step: "login", ms: 4000 }],
          "TOTP_REJECTED",
        ),
      );
    });
    server = await consoleFor(app, {
      nextRun: () => new Date("2031-01-02T03:00:00.000Z"),
    });
  });
  after(async () => {
    await server?.close();
    await sim?.close();
  });

  it("lists every run of the history, a console run of an earlier process too, with IST times and the CLI's hint", async () => {
    const body = await get("/api/runs");
    const runs = body["runs"] as Json[];
    expect(runs.map((r) => [r["trigger"], r["outcome"]])).toEqual([
      ["cli", "failed"],
      ["console", "skipped"],
      ["schedule", "refreshed"],
    ]);
    for (const run of runs) {
      expect(run["started_at"]).toMatch(IST_ISO);
      expect(run["ended_at"]).toMatch(IST_ISO);
    }
    expect(runs[2]).toMatchObject({ duration_ms: 3460, started_at: formatIst(yesterday(8)) });
    expect(runs[0]).toMatchObject({
      error_code: "TOTP_REJECTED",
      hint: ERROR_CODES.TOTP_REJECTED.hint,
    });
    // No worker runs the schedule: no next run.
    expect(body["next_run"]).toBeNull();
  });

  it("shows the next run only while a worker's presence says it runs, and says so", async () => {
    const status = () => get("/api/token/status");
    expect(await status()).toMatchObject({
      next_run: null,
      worker: { running: false, text: "no worker seen" },
    });
    const presence = await keepPresence(new PresenceFile(app.config.worker.presenceFile), (e) => {
      throw e;
    });
    const running = await status();
    expect(running["next_run"]).toBe("2031-01-02T08:30:00+05:30");
    expect(running["worker"]).toMatchObject({ running: true, pid: process.pid });
    expect((running["worker"] as Json)["text"]).toMatch(/^worker running since \d{4}-\d\d-\d\d /);
    expect((await get("/api/runs"))["next_run"]).toBe("2031-01-02T08:30:00+05:30");
    await presence.stop();
    const stopped = await status();
    expect(stopped["next_run"]).toBeNull();
    expect((stopped["worker"] as Json)["text"]).toMatch(/^no worker seen since \d{4}-\d\d-\d\d /);
    expect((await get("/api/runs"))["next_run"]).toBeNull();
  });

  it("summarises each IST day for the strip of mornings, today's last", async () => {
    const { days } = (await get("/api/days?count=30")) as { days: Json[] };
    expect(days.length).toBe(30);
    expect(days.at(-1)).toEqual({
      day: dayOf(now),
      outcome: "failed",
      runs: 1,
      failed_runs: 1,
      login_ms: null,
      error_code: "TOTP_REJECTED",
    });
    expect(days.at(-2)).toEqual({
      day: dayOf(yesterday(8)),
      outcome: "refreshed",
      runs: 2,
      failed_runs: 0,
      login_ms: 3100,
      error_code: null,
    });
    expect(days.slice(0, -2).every((d) => d["outcome"] === "none" && d["runs"] === 0)).toBe(true);
    expect(days[0]?.["day"]).toBe(dayOf(new Date(now.getTime() - 29 * DAY_MS)));
    expect(await get("/api/accounts/default/days")).toEqual({ days });
    expect(((await get("/api/days?count=7")) as { days: Json[] }).days.length).toBe(7);
    for (const count of ["0", "32", "x", "2.5"]) {
      const res = await fetch(`${server.url}/api/days?count=${count}`);
      expect([count, res.status]).toEqual([count, 400]);
    }
  });

  it("tells a failed console refresh's message, Kite's words and the CLI's hint, in its failed step and its end", async () => {
    const started = await get("/api/token/refresh", { method: "POST", headers: AUTH });
    const events = await readEvents(`${server.url}${String(started["events_url"])}`);
    const fail = events.find((e) => (e.data as Json)["phase"] === "fail")?.data;
    expect(fail).toEqual({
      type: "step",
      step: "login",
      phase: "fail",
      label: "log in",
      ms: expect.any(Number),
      code: "BAD_CREDENTIALS",
      message: expect.stringContaining("user id or password"),
      hint: ERROR_CODES.BAD_CREDENTIALS.hint,
      kite_message: "Invalid username or password.",
    });
    const { run } = events.at(-1)?.data as { run: Json };
    expect(run).toMatchObject({
      source: "console",
      trigger: "console",
      outcome: "failed",
      error_code: "BAD_CREDENTIALS",
      error_message: (fail as Json)["message"],
      kite_message: "Invalid username or password.",
      hint: ERROR_CODES.BAD_CREDENTIALS.hint,
      duration_ms: expect.any(Number),
    });
    expect(run["started_at"]).toMatch(IST_ISO);
    expect(run["ended_at"]).toMatch(IST_ISO);
    const listed = (await get("/api/runs"))["runs"] as Json[];
    expect(listed[0]).toMatchObject({ id: started["run_id"], error_code: "BAD_CREDENTIALS" });
  });
});
