import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { until } from "../helpers/worker-process.js";
import type { App } from "../../src/runner/app.js";
import type { RunningConsole } from "../../src/server/serve.js";
import type { Simulator } from "../../src/adapters/simulator/index.js";
import { idOf, startAccounts } from "../accounts/helpers.js";
import { requestTokenOverHttp } from "../helpers/kite-http.js";
import { ADMIN, AUTH, AUTH_JSON, accountsApp, consoleFor, readEvents } from "./console-helpers.js";

type Json = Record<string, unknown>;
const json = async (res: Response): Promise<Json> => (await res.json()) as Json;

/**
 * The console in accounts mode over three simulated accounts (one simulator each, so an
 * exchange with the wrong app would show on the wrong simulator). Every account refreshes
 * through the real pipeline (the HTTP login strategy against its simulator, which can hold
 * a login open).
 */
describe("token console over many accounts", () => {
  let sims: Simulator[];
  let app: App;
  let dir: string;
  let server: RunningConsole;
  const logins = (): number[] => [0, 1].map((i) => sims[i]!.counters.loginAttempts);
  const bodies: string[] = [];
  const get = async (p: string, init: RequestInit = {}): Promise<Response> => {
    const res = await fetch(`${server.url}${p}`, init);
    bodies.push(await res.clone().text());
    return res;
  };
  const post = (p: string, body?: unknown) =>
    get(p, {
      method: "POST",
      ...(body === undefined
        ? { headers: AUTH }
        : { headers: AUTH_JSON, body: JSON.stringify(body) }),
    });
  const tokenFile = (i: number): string => path.join(dir, idOf(i), "token.json");
  const exchanges = (): number[] => sims.map((s) => s.counters.exchangeCalls);
  const accountsNow = async (): Promise<Json[]> =>
    (await json(await get("/api/accounts")))["accounts"] as Json[];

  before(async () => {
    sims = await startAccounts(3);
    ({ app, dir } = accountsApp(sims, { LOGIN_STRATEGY: "http" }));
    server = await consoleFor(app, {
      nextRun: () => new Date("2031-01-02T03:00:00.000Z"),
    });
  });
  after(async () => {
    await server.close();
    await app.close();
    await Promise.all(sims.map((s) => s.close()));
  });

  it("lists every account with its user id and state, never a token", async () => {
    const res = await get("/api/accounts");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body["auth_required"]).toBe(true);
    const accounts = body["accounts"] as Json[];
    expect(accounts.map((a) => [a["id"], a["user_id"], a["state"]])).toEqual(
      sims.map((s, i) => [idOf(i), s.account.userId, "missing"]),
    );
    expect(accounts[0]).toMatchObject({
      expires_at: null,
      seconds_left: null,
      last_run: null,
      // No worker is running: the schedule's next run is not shown.
      next_run: null,
      worker: { running: false, text: "no worker seen" },
      store: `file:${tokenFile(0)}`,
    });
    const one = await json(await get(`/api/accounts/${idOf(1)}/token/status`));
    expect(one).toMatchObject({ state: "missing", user_id: null, auth_required: true });
    expect((await get("/healthz")).status).toBe(200);
  });

  it("answers an unknown account with 404 naming the known ids, and exchanges nothing", async () => {
    const before = exchanges();
    for (const [p, init] of [
      ["/api/accounts/nobody/token/status", {}],
      ["/api/accounts/nobody/runs", {}],
      ["/api/accounts/nobody", {}],
      ["/api/accounts/nobody/token/refresh", { method: "POST", headers: AUTH }],
      [
        "/api/accounts/nobody/token/generate-access-token",
        { method: "POST", headers: AUTH, body: JSON.stringify({ request_token: "abcdefgh1234" }) },
      ],
    ] as Array<[string, RequestInit]>) {
      const res = await get(p, init);
      expect([p, res.status]).toEqual([p, 404]);
      const { error } = (await json(res)) as { error: { code: string; message: string } };
      expect(error.code).toBe("NOT_FOUND");
      expect(error.message).toContain('No account "nobody"');
      expect(error.message).toContain(`${idOf(0)}, ${idOf(1)}, ${idOf(2)}`);
    }
    // A known account's unknown page is not "no such account".
    const page = await json(await get(`/api/accounts/${idOf(0)}/nothing-here`));
    expect(page).toEqual({ error: { code: "NOT_FOUND", message: "No such page." } });
    expect(exchanges()).toEqual(before);
  });

  it("answers the single-account endpoints with 400 pointing at /api/accounts", async () => {
    const before = exchanges();
    const { token } = await requestTokenOverHttp(sims[0]!);
    const loggedIn = logins();
    for (const [p, init] of [
      ["/api/token/status", {}],
      ["/api/token/refresh-info", { headers: AUTH }],
      ["/api/token/refresh", { method: "POST", headers: AUTH }],
      [
        "/api/token/generate-access-token",
        { method: "POST", headers: AUTH, body: JSON.stringify({ request_token: token }) },
      ],
      ["/api/runs", {}],
      ["/api/runs/some-run", {}],
      ["/api/days", {}],
    ] as Array<[string, RequestInit]>) {
      const res = await get(p, init);
      expect([p, res.status]).toEqual([p, 400]);
      const { error } = (await json(res)) as { error: { code: string; message: string } };
      expect(error.message).toContain("GET /api/accounts");
    }
    expect(exchanges()).toEqual(before);
    expect(logins()).toEqual(loggedIn);
  });

  it("refuses the per-account actions without the admin token", async () => {
    const loggedIn = logins();
    for (const p of ["/token/refresh", "/token/generate-access-token"]) {
      const res = await get(`/api/accounts/${idOf(0)}${p}`, { method: "POST", body: "{}" });
      expect(res.status).toBe(401);
    }
    expect((await get(`/api/accounts/${idOf(0)}/token/refresh-info`)).status).toBe(401);
    expect(logins()).toEqual(loggedIn);
  });

  it("runs one refresh per account, joins a second request, and runs two accounts at once", async () => {
    // Kite holds both accounts' password posts: their runs stay in flight together.
    const holds = [sims[0]!.holdLogins(), sims[1]!.holdLogins()];
    const loggedIn = logins();
    try {
      const first = await post(`/api/accounts/${idOf(0)}/token/refresh`);
      expect(first.status).toBe(202);
      const run0 = await json(first);
      expect(run0).toMatchObject({
        joined: false,
        events_url: `/api/accounts/${idOf(0)}/runs/${String(run0["run_id"])}/events`,
      });
      const again = await json(await post(`/api/accounts/${idOf(0)}/token/refresh`));
      expect(again).toMatchObject({ run_id: run0["run_id"], joined: true });
      const run1 = await json(await post(`/api/accounts/${idOf(1)}/token/refresh`));
      expect(run1["joined"]).toBe(false);
      expect(run1["run_id"]).not.toBe(run0["run_id"]);

      // Both accounts' runs are in flight together, each listed only under its own account.
      for (const [i, run] of [run0, run1].entries()) {
        const one = await json(await get(`/api/accounts/${idOf(i)}/runs/${String(run["run_id"])}`));
        expect(one).toMatchObject({ outcome: "running", source: "console" });
        const runs = (await json(await get(`/api/accounts/${idOf(i)}/runs`)))["runs"] as Json[];
        expect(runs.map((r) => r["id"])).toEqual([run["run_id"]]);
      }
      const once = loggedIn.map((n) => n + 1);
      await until(() => logins().every((n, i) => n === once[i]), 30_000);
      expect(logins()).toEqual(once);

      const events = [run0, run1].map((r) => readEvents(`${server.url}${String(r["events_url"])}`));
      holds[1]!.release();
      holds[0]!.release();
      for (const seen of await Promise.all(events)) {
        expect(seen.at(-1)).toMatchObject({
          event: "end",
          data: { run: { outcome: "refreshed" } },
        });
      }
      const states = await accountsNow();
      expect(states.map((a) => a["state"])).toEqual([
        expect.stringMatching(/^(valid|expiring)$/),
        expect.stringMatching(/^(valid|expiring)$/),
        "missing",
      ]);
      expect(states[0]!["last_run"]).toMatchObject({ id: run0["run_id"], outcome: "refreshed" });
      expect(exchanges()).toEqual([1, 1, 0]);
      expect(sims[2]!.counters.loginAttempts).toBe(0);
      expect(existsSync(tokenFile(2))).toBe(false);
    } finally {
      for (const hold of holds) hold.release();
    }
  });

  it("refreshes one account through the real pipeline and leaves the others' tokens as they were", async () => {
    const before = [0, 1].map((i) => readFileSync(tokenFile(i), "utf8"));
    const counters = [0, 1].map((i) => ({ ...sims[i]!.counters }));
    const run = await json(await post(`/api/accounts/${idOf(2)}/token/refresh`));
    const seen = await readEvents(`${server.url}${String(run["events_url"])}`);
    expect(seen.at(-1)).toMatchObject({ event: "end", data: { run: { outcome: "refreshed" } } });
    const steps = seen.filter((e) => e.event === "step").map((e) => (e.data as Json)["step"]);
    // The same pipeline as `kite-token refresh`, under that account's login lock.
    expect(new Set(steps)).toEqual(
      new Set(["check", "lock", "login", "exchange", "verify", "save"]),
    );

    const saved = JSON.parse(readFileSync(tokenFile(2), "utf8")) as Record<string, string>;
    expect(saved["user_id"]).toBe(sims[2]!.account.userId);
    expect(sims[2]!.isAccessTokenValid(saved["access_token"]!)).toBe(true);
    expect([0, 1].map((i) => readFileSync(tokenFile(i), "utf8"))).toEqual(before);
    expect([0, 1].map((i) => sims[i]!.counters)).toEqual(counters);
    // The run is in that account's state file (its own history), not the others'.
    const runsOf = (i: number) =>
      (
        JSON.parse(readFileSync(path.join(dir, idOf(i), "state.json"), "utf8")) as {
          runs: unknown[];
        }
      ).runs.length;
    // Account 0 holds only its own console run of the test before.
    expect([runsOf(0), runsOf(2)]).toEqual([1, 1]);
    const status = await json(await get(`/api/accounts/${idOf(2)}/token/status`));
    expect(status).toMatchObject({ user_id: sims[2]!.account.userId, kite_check: "accepted" });
  });

  it("exchanges a request token or a callback URL with that account's app only", async () => {
    const before = exchanges();
    const byToken = await post(`/api/accounts/${idOf(1)}/token/generate-access-token`, {
      request_token: (await requestTokenOverHttp(sims[1]!)).token,
    });
    expect(byToken.status).toBe(200);
    expect(await json(byToken)).toMatchObject({
      status: "saved",
      account: idOf(1),
      user_id: sims[1]!.account.userId,
      store: `file:${tokenFile(1)}`,
    });
    const byUrl = await post(`/api/accounts/${idOf(0)}/token/generate-access-token`, {
      callback_url: (await requestTokenOverHttp(sims[0]!)).callbackUrl,
    });
    expect(await json(byUrl)).toMatchObject({ status: "saved", user_id: sims[0]!.account.userId });
    expect(exchanges()).toEqual([before[0]! + 1, before[1]! + 1, before[2]]);

    // Account 0's request token sent to account 1 goes to account 1's app, which refuses it.
    const wrong = await post(`/api/accounts/${idOf(1)}/token/generate-access-token`, {
      request_token: (await requestTokenOverHttp(sims[0]!)).token,
    });
    expect(wrong.status).toBe(502);
    expect(exchanges()).toEqual([before[0]! + 1, before[1]! + 2, before[2]]);
    const bad = await post(`/api/accounts/${idOf(1)}/token/generate-access-token`, {});
    expect(bad.status).toBe(400);
  });

  it("routes /auth/callback by its state to the account the login was started for", async () => {
    const info = await json(
      await get(`/api/accounts/${idOf(1)}/token/refresh-info`, { headers: AUTH }),
    );
    const loginUrl = new URL(String(info["login_url"]));
    expect(loginUrl.origin + loginUrl.pathname).toBe(sims[1]!.loginUrl);
    expect(loginUrl.searchParams.get("api_key")).toBe(sims[1]!.app.apiKey);
    expect(loginUrl.searchParams.get("redirect_params")).toMatch(/^state=[\w-]{20,}$/);
    expect(info["callback_url"]).toBe(`${server.url}/auth/callback`);
    const { callbackUrl } = await requestTokenOverHttp(sims[1]!, loginUrl.toString());
    const search = new URL(callbackUrl).search;

    const before = exchanges();
    const forged = new URLSearchParams(search);
    forged.set("state", "forged-state-value-000000000");
    const refused = await get(`/auth/callback?${forged.toString()}`);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/Login refused/);
    expect(exchanges()).toEqual(before);

    const accepted = await get(`/auth/callback${search}`);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toContain(
      `Token saved for ${idOf(1)} (${sims[1]!.account.userId}), valid until`,
    );
    expect(exchanges()).toEqual([before[0], before[1]! + 1, before[2]]);

    const replay = await get(`/auth/callback${search}`);
    expect(replay.status).toBe(403);
    expect(exchanges()).toEqual([before[0], before[1]! + 1, before[2]]);
  });

  it("sends a state issued for one account to that account's app, whatever token comes with it", async () => {
    const info = await json(
      await get(`/api/accounts/${idOf(0)}/token/refresh-info`, { headers: AUTH }),
    );
    const state = new URL(String(info["login_url"])).searchParams.get("redirect_params") ?? "";
    const { callbackUrl } = await requestTokenOverHttp(sims[2]!);
    const before = exchanges();
    const res = await get(`/auth/callback${new URL(callbackUrl).search}&${state}`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/Login failed/);
    // Account 0's app was asked (and refused another app's token); account 2's never was.
    expect(exchanges()).toEqual([before[0]! + 1, before[1], before[2]]);
  });

  it("refuses a callback without a state, even when one account had a login started", async () => {
    const before = exchanges();
    const info = await json(
      await get(`/api/accounts/${idOf(2)}/token/refresh-info`, { headers: AUTH }),
    );
    const plain = new URL((await requestTokenOverHttp(sims[2]!)).callbackUrl);
    const stateless = await get(`/auth/callback${plain.search}`);
    expect(stateless.status).toBe(403);
    expect(await stateless.text()).toMatch(/carries no state/);
    expect(exchanges()).toEqual(before);
    // The login started for that account still completes, with its state.
    const { callbackUrl } = await requestTokenOverHttp(sims[2]!, String(info["login_url"]));
    const res = await get(`/auth/callback${new URL(callbackUrl).search}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`Token saved for ${idOf(2)}`);
    expect(exchanges()).toEqual([before[0], before[1], before[2]! + 1]);
  });

  it("exports each account's series with an account label", async () => {
    const res = await get("/metrics");
    const text = await res.text();
    for (let i = 0; i < 3; i += 1) {
      expect(text).toMatch(
        new RegExp(`^kite_token_state\\{account="${idOf(i)}",state="missing"\\} 0$`, "m"),
      );
      expect(text).toMatch(
        new RegExp(`^kite_token_expiry_timestamp_seconds\\{account="${idOf(i)}"\\} \\d+`, "m"),
      );
    }
    // Account 0's console refresh and its manual exchange are both in its history, and so
    // is the callback it refused (another app's token).
    expect(text).toMatch(
      new RegExp(`^kite_token_recent_runs\\{account="${idOf(0)}",outcome="refreshed"\\} 2$`, "m"),
    );
    expect(text).toMatch(
      new RegExp(`^kite_token_recent_runs\\{account="${idOf(0)}",outcome="failed"\\} 1$`, "m"),
    );
    // Account 2: its console refresh and the manual login completed through the callback.
    expect(text).toMatch(
      new RegExp(`^kite_token_recent_run_duration_seconds_count\\{account="${idOf(2)}"\\} 2$`, "m"),
    );
    expect(text.match(/^# TYPE kite_token_state gauge$/gm)).toHaveLength(1);
    expect(text).not.toMatch(/^kite_token_state\{state=/m);
  });

  it("never puts a token or secret in any response", async () => {
    const secrets = [ADMIN];
    for (const [i, sim] of sims.entries()) {
      secrets.push(sim.app.apiSecret, sim.account.password, sim.account.totpSecret);
      const saved = JSON.parse(readFileSync(tokenFile(i), "utf8")) as Record<string, string>;
      secrets.push(saved["access_token"]!, saved["public_token"]!);
    }
    expect(bodies.length).toBeGreaterThan(30);
    for (const body of bodies) for (const secret of secrets) expect(body).not.toContain(secret);
  });
});
