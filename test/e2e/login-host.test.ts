import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { expect } from "expect";
import { LoginSlots } from "../../src/runner/accounts/login-slots.js";
import { KiteTokenError } from "../../src/core/errors.js";
import { BrowserHost } from "../../src/adapters/login/host/client.js";
import { HostedBrowserLogin, HostedHttpLogin } from "../../src/adapters/login/host/hosted.js";
import type { LoginInput } from "../../src/adapters/login/types.js";
import { refreshed } from "../helpers/refreshed.js";
import { startLineChild } from "../helpers/child-lines.js";
import { failure, simulatorFixture } from "../helpers/fixture.js";
import { loginContext, loginInput } from "../helpers/login-input.js";
import { FileLoginLock } from "../../src/adapters/lock/file.js";
import {
  chromiumBrowserPidsUnder,
  chromiumBrowsersUnder,
  isRunning,
  chromiumOwnedBy,
  watchChromiumBrowsers,
} from "../helpers/processes.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";

const fx = simulatorFixture();

function hosted(host: BrowserHost, evidenceDir?: string): HostedBrowserLogin {
  return new HostedBrowserLogin({
    host,
    browserPath: process.env["BROWSER_PATH"],
    noSandbox: undefined,
    ...(evidenceDir
      ? { evidence: { dir: evidenceDir, secrets: () => [fx.sim.account.password] } }
      : {}),
  });
}

const input = (o: Partial<LoginInput> = {}): LoginInput => loginInput(fx.sim, o);
const context = loginContext;

/** Polls until `done()` holds, or fails after `ms` (a coarse bound). */
async function eventually(done: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Chromium browsers running under the host (none when there is no host). */
const browsersOf = (hostPid: number | undefined): number =>
  hostPid === undefined ? 0 : chromiumBrowsersUnder(hostPid);

/** Every live process whose command line contains `text`. */
function commandLinesWith(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text)) found.push(pid);
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

describe("the browser login in its own process (the login host)", { timeout: 300_000 }, () => {
  it("refreshes through the host, leaving no Chromium behind, and the host ends after its grace", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    let pid: number | undefined;
    const deps = {
      ...depsFor(fx.sim, path.join(tempDir(), "token.json"), { clock: fastClock() }),
      login: hosted(host),
      onStep: () => (pid ??= host.pid),
    };
    const outcome = await refreshed(deps, { force: true });
    expect(outcome.status).toBe("refreshed");
    expect(fx.sim.isAccessTokenValid(outcome.record.access_token)).toBe(true);
    expect(outcome.steps.find((s) => s.step === "login")).toBeDefined();
    expect(chromiumOwnedBy()).toEqual([]);
    expect(fx.host.hits).toEqual([]);
    expect(pid).toBeDefined();
    await eventually(() => host.pid === undefined && !isRunning(pid!), 10_000, "host gone");
  });

  it("keeps the password and TOTP secret out of every command line and the host's environment", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    const seen: string[][] = [];
    let environ = "";
    await hosted(host).login(
      input(),
      context({
        beforeSecondFactor: async () => {
          seen.push(commandLinesWith(fx.sim.account.password));
          seen.push(commandLinesWith(fx.sim.account.totpSecret));
          environ = readFileSync(`/proc/${host.pid}/environ`, "utf8");
        },
      }),
    );
    await host.stop();
    expect(seen).toEqual([[], []]);
    expect(environ.length).toBeGreaterThan(0);
    expect(environ).not.toContain(fx.sim.account.password);
    expect(environ).not.toContain(fx.sim.account.totpSecret);
  });

  it("stops at a wrong password after exactly one attempt, with Kite's message and the evidence", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    const dir = tempDir();
    const files: string[] = [];
    const error = await failure(
      host.login({
        input: input({ password: "wrong-password" }),
        context: { ...context(), onEvidence: (list) => files.push(...list) },
        options: {
          browserPath: process.env["BROWSER_PATH"],
          noSandbox: undefined,
          evidence: { dir, secrets: ["wrong-password"] },
        },
      }),
    );
    await host.stop();
    expect(error).toBeInstanceOf(KiteTokenError);
    expect(error.code).toBe("BAD_CREDENTIALS");
    expect(error.retryable).toBe(false);
    expect(error.kiteMessage).toBe("Invalid username or password.");
    expect(error.hint).toContain("KITE_PASSWORD");
    expect(fx.sim.counters.loginAttempts).toBe(1);
    expect(fx.sim.counters.twofaAttempts).toBe(0);
    expect(files.map((f) => path.extname(f)).sort()).toEqual([".html", ".png"]);
    expect(files.every((f) => path.dirname(f) === dir)).toBe(true);
    const html = readFileSync(
      files.find((f) => f.endsWith(".html"))!,
      "utf8",
    );
    expect(html).toContain("<html");
    expect(html).not.toContain("wrong-password");
  });

  for (const strategy of ["browser", "http"] as const) {
    it(`retries a rejected TOTP once (${strategy} login), each code recorded by the parent's hook first, its clock waits in the parent`, async () => {
      fx.sim.setScenario({ rejectTotp: true });
      const host = new BrowserHost({ idleMs: 300 });
      const login = strategy === "browser" ? hosted(host) : new HostedHttpLogin(host);
      const clock = fastClock();
      const codesBefore: number[] = [];
      const error = await failure(
        login.login(
          input(),
          context({
            clock,
            beforeSecondFactor: async () => {
              codesBefore.push(fx.sim.counters.twofaAttempts);
            },
          }),
        ),
      );
      await host.stop();
      expect(error.code).toBe("TOTP_REJECTED");
      expect(error.kiteMessage).toBe("Invalid TOTP");
      expect(fx.sim.counters.twofaAttempts).toBe(2);
      expect(codesBefore).toEqual([0, 1]);
      // The second code waited for the next window on the parent's (fast) clock.
      expect(clock.skippedMs).toBeGreaterThan(0);
    });
  }

  it("submits no code when the parent's hook refuses, failing with the parent's own error", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    const refusal = new KiteTokenError("TWOFA_BUDGET_SPENT", "Two codes were rejected today.");
    const error = await failure(
      hosted(host).login(
        input(),
        context({
          beforeSecondFactor: () => Promise.reject(refusal),
        }),
      ),
    );
    await host.stop();
    expect(error).toBe(refusal);
    expect(fx.sim.counters.loginAttempts).toBe(1);
    expect(fx.sim.counters.twofaAttempts).toBe(0);
  });

  it("aborts a login in flight: ABORTED, no code submitted, no Chromium left", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    const controller = new AbortController();
    const error = await failure(
      hosted(host).login(
        input(),
        context({
          signal: controller.signal,
          beforeSecondFactor: () => {
            controller.abort(new Error("test stop"));
            return new Promise<void>(() => undefined);
          },
        }),
      ),
    );
    expect(error.code).toBe("ABORTED");
    expect(chromiumOwnedBy()).toEqual([]);
    expect(fx.sim.counters.twofaAttempts).toBe(0);
    await host.stop();
  });

  it("fails the login with BROWSER_FAILED when the host is killed, and the next login works", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    let killed: number | undefined;
    const error = await failure(
      hosted(host).login(
        input(),
        context({
          beforeSecondFactor: () => {
            killed = host.pid;
            process.kill(killed!, "SIGKILL");
            return new Promise<void>(() => undefined);
          },
        }),
      ),
    );
    expect(error.code).toBe("BROWSER_FAILED");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("SIGKILL");
    // Its Chromium notices its pipe closed and goes too.
    await eventually(() => chromiumOwnedBy().length === 0, 10_000, "Chromium gone");
    const result = await hosted(host).login(input(), context());
    expect(result.requestToken).toMatch(/\S/);
    expect(host.pid).not.toBe(killed);
    await host.stop();
  });

  it("runs two concurrent logins in one Chromium, each in its own context, none left after", async () => {
    const host = new BrowserHost({ idleMs: 300 });
    const login = hosted(host);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, browsersOf(host.pid))), 50);
    const [a, b] = await Promise.all([
      login.login(input(), context()),
      login.login(input(), context()),
    ]).finally(() => clearInterval(sampler));
    expect(most).toBe(1);
    expect(a.requestToken).not.toBe(b.requestToken);
    // Two sessions: two login pages, two passwords, two codes, and both tokens good.
    const c = fx.sim.counters;
    expect([c.loginPageLoads, c.loginAttempts, c.twofaAttempts, c.redirectsIssued]).toEqual([
      2, 2, 2, 2,
    ]);
    expect(chromiumOwnedBy()).toEqual([]);
    expect(browsersOf(host.pid)).toBe(0);
    await host.stop();
  });

  it("keeps Chromium between two logins while one waits for its turn, not once the waiter gives up", async () => {
    // A long idle grace: only the hold decides when the browser closes.
    const host = new BrowserHost({ idleMs: 60_000 });
    const slots = new LoginSlots(1, (on, handed) => host.holdBrowser(on, handed));
    const login = slots.wrap(hosted(host));
    const browsers = watchChromiumBrowsers(() => host.pid);
    // One at a time: the second waits for the first, which leaves it the browser open.
    const [a, b] = await Promise.all([
      login.login(input(), context()),
      login.login(input(), context()),
    ]).finally(() => browsers.stop());
    expect(a.requestToken).not.toBe(b.requestToken);
    expect(browsers.seen.size).toBe(1);
    expect(browsersOf(host.pid)).toBe(0); // closed with the last login, before its answer

    // A waiter that gives up: the login in flight no longer keeps the browser for it.
    const gaveUp = new AbortController();
    const first = login.login(input(), context());
    const second = login.login(input(), context({ signal: gaveUp.signal }));
    await eventually(() => browsersOf(host.pid) === 1, 15_000, "the first login's browser");
    gaveUp.abort(new Error("stopping"));
    await expect(second).rejects.toMatchObject({ code: "ABORTED" });
    await first;
    expect(browsersOf(host.pid)).toBe(0);
    expect(fx.sim.counters.loginAttempts).toBe(3);
    await host.stop();
    expect(chromiumOwnedBy()).toEqual([]);
  });

  it("closes the host and its Chromium when its parent is killed mid-login", async () => {
    const script = fileURLToPath(new URL("../helpers/host-parent.js", import.meta.url));
    const env: Record<string, string> = process.env["BROWSER_PATH"]
      ? { BROWSER_PATH: process.env["BROWSER_PATH"] }
      : {};
    const parent = startLineChild(script, env, tempDir(), ["--parent"]);
    const line = await parent.waitFor((l) => l.startsWith("{"), 60_000);
    const { hostPid } = JSON.parse(line) as { hostPid: number };
    expect(isRunning(hostPid)).toBe(true);
    expect(chromiumOwnedBy(parent.child.pid).length).toBeGreaterThan(0);
    parent.child.kill("SIGKILL");
    await eventually(
      () => !isRunning(hostPid) && chromiumOwnedBy(parent.child.pid).length === 0,
      10_000,
      "host and Chromium gone",
    );
  });
});

describe("a refresh warms the browser while it waits for the lock", { timeout: 300_000 }, () => {
  const settings = { browserPath: process.env["BROWSER_PATH"], noSandbox: undefined };

  it("launches Chromium on `warm` without opening Kite, the login uses that Chromium, and `cool` closes an unused one", async () => {
    const host = new BrowserHost({ idleMs: 60_000 });
    try {
      const loads = fx.sim.counters.loginPageLoads;
      host.warm(settings, 30_000);
      await eventually(() => browsersOf(host.pid) === 1, 30_000, "the warmed Chromium");
      const [warmed] = chromiumBrowserPidsUnder(host.pid!);
      expect(fx.sim.counters.loginPageLoads).toBe(loads);

      const watch = watchChromiumBrowsers(() => host.pid);
      const result = await hosted(host).login(input(), context());
      watch.stop();
      expect(result.requestToken).toMatch(/\w+/);
      // The login ran on the Chromium launched ahead: no second one was started.
      expect([...watch.seen]).toEqual([warmed]);
      expect(browsersOf(host.pid)).toBe(0);

      host.warm(settings, 30_000);
      await eventually(() => browsersOf(host.pid) === 1, 30_000, "a second warmed Chromium");
      host.cool();
      await eventually(() => browsersOf(host.pid) === 0, 15_000, "the unused Chromium closed");
      expect(fx.sim.counters.loginPageLoads).toBe(loads + 1);
    } finally {
      await host.stop();
    }
    expect(chromiumOwnedBy()).toEqual([]);
  });

  it("launches no Chromium when the check finds the saved token still valid", async () => {
    const host = new BrowserHost({ idleMs: 60_000 });
    const deps = {
      ...depsFor(fx.sim, path.join(tempDir(), "token.json"), { clock: fastClock() }),
      login: hosted(host),
    };
    try {
      expect((await refreshed(deps, { force: true })).status).toBe("refreshed");
      const before = { ...fx.sim.counters };
      const watch = watchChromiumBrowsers(() => host.pid);
      expect((await refreshed(deps)).status).toBe("skipped");
      watch.stop();
      expect(watch.seen.size).toBe(0);
      expect(fx.sim.counters.loginPageLoads).toBe(before.loginPageLoads);
      expect(fx.sim.counters.twofaAttempts).toBe(before.twofaAttempts);
    } finally {
      await host.stop();
    }
    expect(chromiumOwnedBy()).toEqual([]);
  });

  it("opens nothing at Kite while another login holds the lock, though its Chromium is ready", async () => {
    const host = new BrowserHost({ idleMs: 60_000 });
    const dir = tempDir();
    const deps = {
      ...depsFor(fx.sim, path.join(dir, "token.json"), { clock: fastClock() }),
      login: hosted(host),
    };
    const other = await new FileLoginLock(path.join(dir, "refresh.lock")).acquire({ waitMs: 0 });
    try {
      const before = { ...fx.sim.counters };
      const run = refreshed(deps, { force: true });
      await eventually(() => browsersOf(host.pid) === 1, 30_000, "the warmed Chromium");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(fx.sim.counters.loginPageLoads).toBe(before.loginPageLoads);
      expect(fx.sim.counters.loginAttempts).toBe(before.loginAttempts);
      await other.release();
      expect((await run).status).toBe("refreshed");
      expect(fx.sim.counters.loginAttempts).toBe(before.loginAttempts + 1);
    } finally {
      await other.release().catch(() => undefined);
      await host.stop();
    }
    expect(chromiumOwnedBy()).toEqual([]);
  });
});
