import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError } from "../../src/core/errors.js";
import { FileLoginLock } from "../../src/adapters/lock/file.js";
import { stripInputValues } from "../../src/adapters/login/evidence.js";
import { FileTokenStore } from "../../src/adapters/stores/file.js";
import { budgetedSubmissions, TwofaBudget } from "../../src/adapters/budget/budget.js";
import { checkHealth } from "../../src/worker/health.js";
import { backoffDelay, classify, retryDeadline } from "../../src/core/retry.js";
import { Schedule } from "../../src/worker/schedule.js";
import { StateFile } from "../../src/adapters/state/state.js";
import { expectCountedThenReset } from "../helpers/budget-day.js";
import { tempDir } from "../helpers/setup.js";

describe("the single-login file lock", () => {
  it("makes a second caller wait, then time out with LOCK_TIMEOUT; release is idempotent", async () => {
    const file = path.join(tempDir(), "refresh.lock");
    const lease = await new FileLoginLock(file).acquire({ waitMs: 1000 });
    await expect(new FileLoginLock(file).acquire({ waitMs: 1000 })).rejects.toMatchObject({
      code: "LOCK_TIMEOUT",
    });
    await lease.release();
    await lease.release();
    const again = await new FileLoginLock(file).acquire({ waitMs: 1000 });
    await again.release();
  });

  it("takes over a lock whose owner died", async () => {
    const file = path.join(tempDir(), "refresh.lock");
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
    writeFileSync(
      file,
      JSON.stringify({ pid: dead, host: hostname(), token: "x", acquired_at: "" }),
    );
    const lease = await new FileLoginLock(file).acquire({ waitMs: 1000 });
    await lease.release();
  });
});

describe("the 2FA budget", () => {
  it("refuses a third unaccepted submission in one IST day, across instances, and resets the next day", async () => {
    const file = path.join(tempDir(), "state.json");
    let now = new Date("2026-11-24T03:00:00Z"); // 08:30 IST
    const budget = () => new TwofaBudget(new StateFile(file), () => now);
    const ok = await budget().reserve();
    await budget().settle(ok, "accepted");
    const first = await budget().reserve();
    await budget().settle(first, "rejected");
    await budget().reserve(); // left pending, as by a crash: it counts
    await expect(budget().reserve()).rejects.toMatchObject({ code: "TWOFA_BUDGET_SPENT" });
    now = new Date("2026-11-24T18:31:00Z"); // 00:01 IST the next day
    await expect(budget().reserve()).resolves.toEqual(expect.any(String));
  });

  it("check() refuses before a login once the day is spent, and when the state file cannot be read", async () => {
    const file = path.join(tempDir(), "state.json");
    const budget = new TwofaBudget(new StateFile(file));
    await expect(budget.check()).resolves.toBeUndefined();
    await budget.settle(await budget.reserve(), "rejected");
    await expect(budget.check()).resolves.toBeUndefined();
    await budget.settle(await budget.reserve(), "unknown");
    await expect(budget.check()).rejects.toMatchObject({ code: "TWOFA_BUDGET_SPENT" });
    writeFileSync(file, '{"version":1,"runs":[],"twofa":{"day":"2026-');
    await expect(budget.check()).rejects.toMatchObject({ code: "STORE_FAILED" });
  });

  it("counts today's codes by what became of them, and a reset forgets them", async () => {
    await expectCountedThenReset(
      new TwofaBudget(new StateFile(path.join(tempDir(), "state.json"))),
    );
  });

  it("a code Kite accepted, or one the gate never let out, spends nothing", async () => {
    const file = path.join(tempDir(), "state.json");
    const budget = new TwofaBudget(new StateFile(file));
    for (const outcome of ["accepted", "unsent", "accepted", "unsent"] as const) {
      await budget.settle(await budget.reserve(), outcome);
    }
    expect(await budget.spentToday()).toBe(0);
    await expect(budget.check()).resolves.toBeUndefined();
  });

  it("budgetedSubmissions settles each code with Kite's answer when it comes, not with the login's end", async () => {
    const file = path.join(tempDir(), "state.json");
    const state = new StateFile(file);
    const budget = new TwofaBudget(state);
    const outcomes = async () => (await state.read()).twofa.submissions.map((s) => s.outcome);
    // Accepted, then the login failed later (no redirect): the code is not spent.
    let login = budgetedSubmissions(budget);
    await login.beforeSecondFactor();
    login.answered("accepted");
    await login.settle(new KiteTokenError("REDIRECT_TIMEOUT", "no redirect"));
    expect(await outcomes()).toEqual(["accepted"]);
    // Rejected, then a retry that never got an answer (a crash): both count.
    login = budgetedSubmissions(budget);
    await login.beforeSecondFactor();
    login.answered("rejected");
    await login.beforeSecondFactor();
    await login.settle(new KiteTokenError("BROWSER_FAILED", "crashed"));
    expect(await outcomes()).toEqual(["accepted", "rejected", "unknown"]);
    expect(await budget.spentToday()).toBe(2);
  });
});

describe("retry policy", () => {
  it("classifies by code and retryable", () => {
    const e = (code: ConstructorParameters<typeof KiteTokenError>[0]) =>
      new KiteTokenError(code, "");
    expect(classify(e("KITE_UNAVAILABLE"))).toBe("transient");
    expect(classify(e("REDIRECT_TIMEOUT"))).toBe("transient");
    expect(classify(e("TOTP_REJECTED"))).toBe("totp");
    for (const code of [
      "BAD_CREDENTIALS",
      "APP_CODE_REQUIRED",
      "ACCOUNT_BLOCKED",
      "CONFIG_INVALID",
    ] as const)
      expect(classify(e(code))).toBe("permanent");
    expect(classify(e("TWOFA_BUDGET_SPENT"))).toBe("permanent");
  });

  it("backs off exponentially with jitter, and stops at 09:05 IST", () => {
    const b = { baseMs: 1000, maxMs: 8000, jitter: 0.5 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, b, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 8000,
    ]);
    expect(backoffDelay(2, b, () => 1)).toBe(1000);
    const start = new Date("2026-11-24T03:00:00Z"); // 08:30 IST
    expect(retryDeadline(start, { hour: 9, minute: 5 }).toISOString()).toBe(
      "2026-11-24T03:35:00.000Z",
    );
    const late = new Date("2026-11-24T08:00:00Z"); // 13:30 IST
    expect(retryDeadline(late, { hour: 9, minute: 5 }).getTime()).toBe(
      late.getTime() + 35 * 60_000,
    );
  });
});

describe("the schedule", () => {
  it("computes 08:30 IST whatever the machine's TZ", () => {
    const script = `import("${path.resolve("dist/worker/schedule.js")}").then(m => console.log(new m.Schedule("30 8 * * *", "Asia/Kolkata").next().toISOString()))`;
    const [utc, ny] = ["UTC", "America/New_York"].map((TZ) =>
      execFileSync(process.execPath, ["-e", script], { env: { ...process.env, TZ } })
        .toString()
        .trim(),
    );
    expect(utc).toBe(ny);
    expect(new Date(utc ?? "").getUTCHours() * 60 + new Date(utc ?? "").getUTCMinutes()).toBe(
      3 * 60,
    );
  });
});

describe("health", () => {
  it("is healthy before the 08:30 run is due and unhealthy once it passed without a new token", async () => {
    const dir = tempDir();
    const store = new FileTokenStore(path.join(dir, "token.json"));
    const state = new StateFile(path.join(dir, "state.json"));
    const schedule = new Schedule("30 8 * * *", "Asia/Kolkata");
    expect((await checkHealth(store, state, schedule)).healthy).toBe(false); // no token
    await store.write({
      access_token: "a".repeat(20),
      public_token: "",
      user_id: "AB1234",
      user_name: "",
      api_key: "k",
      login_time: "2026-11-23T08:30:00+05:30",
      expires_at: "2026-11-24T06:00:00+05:30",
      saved_at: "2026-11-23T08:30:00+05:30",
    });
    const at = (iso: string) => checkHealth(store, state, schedule, new Date(iso));
    expect((await at("2026-11-24T05:00:00+05:30")).healthy).toBe(true);
    expect((await at("2026-11-24T07:00:00+05:30")).healthy).toBe(true);
    const late = await at("2026-11-24T09:00:00+05:30");
    expect(late.healthy).toBe(false);
    expect(late.reason).toContain("08:30");
  });
});

describe("failure evidence", () => {
  it("removes every input's value from the saved HTML", () => {
    const html = `<form><input id="userid" value="AB1234"><input type=password value='s3cret!'><input value=123456 type="number"><textarea>note</textarea></form>`;
    const out = stripInputValues(html);
    for (const secret of ["AB1234", "s3cret!", "123456", "note"]) expect(out).not.toContain(secret);
    expect(out).toContain('<input id="userid">');
  });
});
