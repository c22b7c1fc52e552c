import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { runCli } from "../helpers/cli.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { tempDir } from "../helpers/setup.js";
import { systemAppClock, type App } from "../../src/runner/app.js";
import type { RunningConsole } from "../../src/server/serve.js";
import { startSimulator, type Simulator } from "../../src/adapters/simulator/index.js";
import { ADMIN, AUTH, AUTH_JSON, consoleFor, readEvents, simApp } from "./console-helpers.js";

const json = async (res: Response): Promise<Record<string, unknown>> =>
  (await res.json()) as Record<string, unknown>;

describe("token console API", () => {
  let sim: Simulator;
  let app: App;
  let server: RunningConsole;
  let hold: { release(): void };
  const bodies: string[] = [];
  const get = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${server.url}${path}`, init);
    bodies.push(await res.clone().text());
    return res;
  };

  before(async () => {
    sim = await startSimulator();
    app = simApp(sim, { LOGIN_STRATEGY: "http" });
    // The real pipeline; Kite holds the password post until a test lets it through.
    hold = sim.holdLogins();
    server = await consoleFor(app);
  });
  after(async () => {
    await server.close();
    await sim.close();
  });

  it("answers /healthz and reports a missing token", async () => {
    expect(await json(await get("/healthz"))).toEqual({ status: "ok" });
    const status = await json(await get("/api/token/status"));
    expect(status).toMatchObject({ state: "missing", user_id: null, auth_required: true });
  });

  it("serves the KITE_* account as the account default: /api/token/… are aliases of /api/accounts/default/…", async () => {
    const list = await json(await get("/api/accounts"));
    expect(list["accounts"]).toEqual([
      expect.objectContaining({ id: "default", user_id: sim.account.userId, state: "missing" }),
    ]);
    const [alias, canonical] = await Promise.all([
      get("/api/token/status").then(json),
      get("/api/accounts/default/token/status").then(json),
    ]);
    expect(canonical).toEqual(alias);
    const [runs, defaultRuns] = await Promise.all([
      get("/api/runs").then(json),
      get("/api/accounts/default/runs").then(json),
    ]);
    expect(defaultRuns).toEqual(runs);
    expect((await get("/api/accounts/other/token/status")).status).toBe(404);
  });

  it("refuses every state-changing or exchanging endpoint without the admin token", async () => {
    const calls: Array<[string, RequestInit]> = [
      ["/api/token/refresh", { method: "POST" }],
      ["/api/token/refresh-info", {}],
      [
        "/api/token/generate-access-token",
        { method: "POST", body: JSON.stringify({ request_token: "abcdefgh1234" }) },
      ],
    ];
    for (const [path, init] of calls) {
      for (const headers of [{}, { authorization: "Bearer wrong-token-of-some-length" }]) {
        const res = await get(path, { ...init, headers });
        expect([path, res.status]).toEqual([path, 401]);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
    expect(sim.counters.loginAttempts).toBe(0);
    expect(sim.counters.exchangeCalls).toBe(0);
  });

  it("checks the page's admin token: 401 for none or a wrong one", async () => {
    expect((await get("/api/admin-check")).status).toBe(401);
    const wrong = await get("/api/admin-check", {
      headers: { authorization: "Bearer wrong-token-of-some-length" },
    });
    expect(wrong.status).toBe(401);
    expect(await json(wrong)).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    const right = await get("/api/admin-check", { headers: AUTH });
    expect([right.status, await json(right)]).toEqual([200, { ok: true }]);
  });

  it("gives the callback URL to register in the Kite app", async () => {
    const body = await json(await get("/api/token/callback-url"));
    expect(body["callback_url"]).toBe(`${server.url}/auth/callback`);
    expect(body["matches"]).toBe(false);
  });

  it("starts one refresh, joins a second request to it, and streams its steps", async () => {
    const first = await get("/api/token/refresh", { method: "POST", headers: AUTH });
    expect(first.status).toBe(202);
    const { run_id: id } = await json(first);
    const second = await json(await get("/api/token/refresh", { method: "POST", headers: AUTH }));
    expect(second).toMatchObject({ run_id: id, joined: true });
    const running = await json(await get(`/api/runs/${String(id)}`));
    expect(running).toMatchObject({ id, outcome: "running", source: "console" });

    const events = readEvents(`${server.url}/api/runs/${String(id)}/events`);
    hold.release();
    const seen = await events;
    expect(sim.counters.loginAttempts).toBe(1);
    expect(seen.map((e) => e.event).at(-1)).toBe("end");
    expect(
      seen
        .filter((e) => e.event === "step" && (e.data as { phase: string }).phase !== "progress")
        .map((e) => {
          const d = e.data as { step: string; phase: string };
          return `${d.step}:${d.phase}`;
        }),
    ).toEqual([
      "check:start",
      "check:done",
      "lock:start",
      "lock:done",
      "login:start",
      "login:done",
      "exchange:start",
      "exchange:done",
      "verify:start",
      "verify:done",
      "save:start",
      "save:done",
    ]);
    const done = await json(await get(`/api/runs/${String(id)}`));
    expect(done).toMatchObject({ outcome: "refreshed" });
    // API times are ISO 8601 with IST's offset, to the millisecond for a run's own.
    expect(done["started_at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+05:30$/);
    expect(done["ended_at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+05:30$/);

    const status = await json(await get("/api/token/status"));
    expect(status["state"]).toMatch(/^(valid|expiring)$/);
    expect(status).toMatchObject({ user_id: sim.account.userId, kite_check: "accepted" });
    expect(status["last_run"]).toMatchObject({ id, outcome: "refreshed" });
    const runs = await json(await get("/api/runs"));
    expect((runs["runs"] as Array<{ id: string }>).map((r) => r.id)).toEqual([id]);
    // A finished run's stream replays its events and ends.
    expect((await readEvents(`${server.url}/api/runs/${String(id)}/events`)).length).toBe(
      seen.length,
    );
    expect((await get("/api/runs/no-such-run")).status).toBe(404);
  });

  it("exports Prometheus metrics for the token and the runs", async () => {
    const res = await get("/metrics");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await res.text();
    expect(text).toMatch(/^kite_token_expiry_timestamp_seconds \d+/m);
    expect(text).toMatch(/^kite_token_last_success_timestamp_seconds \d+/m);
    expect(text).toMatch(/^kite_token_recent_runs\{outcome="refreshed"\} 1$/m);
    expect(text).toMatch(/^kite_token_recent_run_duration_seconds_count 1$/m);
    expect(text).toMatch(/^kite_token_state\{state="missing"\} 0$/m);
  });

  it("exchanges a request token or a callback URL for scripts, and explains a bad one", async () => {
    const byToken = await get("/api/token/generate-access-token", {
      method: "POST",
      headers: AUTH_JSON,
      body: JSON.stringify({ request_token: (await requestTokenOverHttp(sim)).token }),
    });
    expect(byToken.status).toBe(200);
    expect(await json(byToken)).toMatchObject({ status: "saved", user_id: sim.account.userId });

    const { callbackUrl, token } = await requestTokenOverHttp(sim);
    const byUrl = await get("/api/token/generate-access-token", {
      method: "POST",
      headers: AUTH_JSON,
      body: JSON.stringify({ callback_url: callbackUrl }),
    });
    expect(await json(byUrl)).toMatchObject({ status: "saved" });
    // Each paste is in the run history, as a paste from the console.
    const pastes = (await app.state.read()).runs.slice(-2);
    expect(pastes.map((r) => [r.trigger, r.outcome])).toEqual([
      ["console paste", "refreshed"],
      ["console paste", "refreshed"],
    ]);

    const spent = await get("/api/token/generate-access-token", {
      method: "POST",
      headers: AUTH_JSON,
      body: JSON.stringify({ request_token: token }),
    });
    expect(spent.status).toBe(502);
    expect(await json(spent)).toMatchObject({ error: { code: "REQUEST_TOKEN_INVALID" } });

    for (const body of ["{}", "not json", JSON.stringify({ callback_url: "http://x/?a=b" })]) {
      const bad = await get("/api/token/generate-access-token", {
        method: "POST",
        headers: AUTH_JSON,
        body,
      });
      expect(bad.status).toBe(400);
      expect(await json(bad)).toMatchObject({ error: { code: "INPUT_INVALID" } });
    }
  });

  it("accepts a manual login only with the one-time state it issued", async () => {
    const info = await json(await get("/api/token/refresh-info", { headers: AUTH }));
    const loginUrl = new URL(String(info["login_url"]));
    expect(loginUrl.searchParams.get("redirect_params")).toMatch(/^state=[\w-]{20,}$/);
    const { callbackUrl } = await requestTokenOverHttp(sim, loginUrl.toString());
    const callback = new URL(callbackUrl);
    expect(callback.searchParams.get("state")).toEqual(expect.any(String));
    const ours = `${server.url}/auth/callback${callback.search}`;

    const exchangesBefore = sim.counters.exchangeCalls;
    const forged = new URL(ours);
    forged.searchParams.set("state", "forged-state-value-000000000");
    const refused = await get(forged.pathname + forged.search);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/Login refused/);
    expect(sim.counters.exchangeCalls).toBe(exchangesBefore);

    const accepted = await get(`/auth/callback${callback.search}`);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toMatch(/Token saved for DM\w+, valid until/);
    expect(sim.counters.exchangeCalls).toBe(exchangesBefore + 1);
    expect((await app.state.read()).runs.at(-1)).toMatchObject({
      trigger: "console login",
      outcome: "refreshed",
    });

    const replay = await get(`/auth/callback${callback.search}`);
    expect(replay.status).toBe(403);
    expect(sim.counters.exchangeCalls).toBe(exchangesBefore + 1);
  });

  it("refuses a callback without a state; one without a request token does not spend the state", async () => {
    let now = Date.now();
    // The console's time is the app's time port.
    const clockedApp = simApp(
      sim,
      { LOGIN_STRATEGY: "http" },
      {
        clock: { ...systemAppClock, now: () => now },
      },
    );
    const clocked = await consoleFor(clockedApp);
    try {
      const exchangesBefore = sim.counters.exchangeCalls;
      const info = (await (
        await fetch(`${clocked.url}/api/token/refresh-info`, { headers: AUTH })
      ).json()) as { login_url: string };
      // Even right after a login was started here, a callback without its state is refused.
      const plain = new URL((await requestTokenOverHttp(sim)).callbackUrl);
      const stateless = await fetch(`${clocked.url}/auth/callback${plain.search}`);
      expect(stateless.status).toBe(403);
      expect(await stateless.text()).toMatch(/carries no state/);

      const { callbackUrl } = await requestTokenOverHttp(sim, info.login_url);
      const state = new URL(callbackUrl).searchParams.get("state") ?? "";
      // A callback with the state but no request token (a stray link) spends nothing…
      const tokenless = await fetch(
        `${clocked.url}/auth/callback?state=${encodeURIComponent(state)}&status=cancelled`,
      );
      expect(tokenless.status).toBe(403);
      expect(await tokenless.text()).toMatch(/without a request token/);
      expect(sim.counters.exchangeCalls).toBe(exchangesBefore);
      // …so the real one is still accepted.
      const real = await fetch(`${clocked.url}/auth/callback${new URL(callbackUrl).search}`);
      expect(real.status).toBe(200);
      expect(sim.counters.exchangeCalls).toBe(exchangesBefore + 1);

      // A state lasts the login window, not longer.
      const later = (await (
        await fetch(`${clocked.url}/api/token/refresh-info`, { headers: AUTH })
      ).json()) as { login_url: string };
      const late = await requestTokenOverHttp(sim, later.login_url);
      now += 6 * 60_000;
      const expired = await fetch(
        `${clocked.url}/auth/callback${new URL(late.callbackUrl).search}`,
      );
      expect(expired.status).toBe(403);
      expect(sim.counters.exchangeCalls).toBe(exchangesBefore + 1);
    } finally {
      await clocked.close();
      await clockedApp.close();
    }
  });

  it("lists a console refresh once, its history timed by the same clock as the console", async () => {
    // An app's clock 20 s ahead of the machine's (a test's skipped waits do this; Kite still
    // takes its TOTP, one window off): the
    // history's copy of the console's run must still be told apart from another run.
    const own = await startSimulator();
    const ahead = simApp(
      own,
      { LOGIN_STRATEGY: "http" },
      { clock: { ...systemAppClock, now: () => Date.now() + 20_000 } },
    );
    const clocked = await consoleFor(ahead);
    try {
      const started = (await (
        await fetch(`${clocked.url}/api/token/refresh`, { method: "POST", headers: AUTH })
      ).json()) as { run_id: string; events_url: string };
      const seen = await readEvents(`${clocked.url}${started.events_url}`);
      expect(seen.at(-1)).toMatchObject({ event: "end", data: { run: { outcome: "refreshed" } } });
      const { runs } = (await (await fetch(`${clocked.url}/api/runs`)).json()) as {
        runs: Array<{ id: string; started_at: string }>;
      };
      expect(runs.map((r) => r.id)).toEqual([started.run_id]);
      const history = JSON.parse(readFileSync(ahead.config.worker.stateFile, "utf8")) as {
        runs: Array<{ started_at: string; trigger: string }>;
      };
      expect(history.runs.map((r) => r.trigger)).toEqual(["console"]);
      // Both on the app's clock: the history's run began within a second of the console's.
      const gap = Date.parse(history.runs[0]!.started_at) - Date.parse(runs[0]!.started_at);
      expect([0, 1000]).toContain(gap);
    } finally {
      await clocked.close();
      await ahead.close();
      await own.close();
    }
  });

  it("sends strict security headers and never a token or secret", async () => {
    for (const path of ["/", "/api/token/status", "/auth/callback"]) {
      const res = await get(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).not.toMatch(/unsafe-inline/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    }
    const saved = JSON.parse(readFileSync(app.config.tokenFile, "utf8")) as Record<string, string>;
    const secrets = [
      saved["access_token"],
      saved["public_token"],
      sim.app.apiSecret,
      sim.account.password,
      sim.account.totpSecret,
      ADMIN,
    ];
    for (const body of bodies) {
      for (const secret of secrets) expect(body.includes(String(secret))).toBe(false);
    }
  });
});

describe("token console limits", () => {
  it("rate-limits the token endpoints per client, not health or status", async () => {
    const sim = await startSimulator();
    const app = simApp(sim);
    const server = await consoleFor(app, { rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const res = await fetch(`${server.url}/api/token/refresh-info`, { headers: AUTH });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await fetch(`${server.url}/api/token/generate-access-token`, {
        method: "POST",
        headers: AUTH,
        body: "{}",
      });
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/token/status`)).status).toBe(200);
    } finally {
      await server.close();
      await sim.close();
    }
  });

  it("refuses to listen beyond loopback without ADMIN_TOKEN (exit 2)", async () => {
    const dir = tempDir();
    const result = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], {}, dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/CONFIG_INVALID: HOST=0\.0\.0\.0 .*ADMIN_TOKEN is not set/);
    expect(existsSync(`${dir}/data`)).toBe(false);
  });
});
