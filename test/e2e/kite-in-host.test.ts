import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { KiteTokenError } from "../../src/core/errors.js";
import { KiteApi, type KiteApiOptions, type KiteCalls } from "../../src/adapters/kite/api.js";
import { BrowserHost } from "../../src/adapters/login/host/client.js";
import { HostedHttpLogin, HostedKiteApi } from "../../src/adapters/login/host/hosted.js";
import type { LoginInput } from "../../src/adapters/login/types.js";
import { refreshed } from "../helpers/refreshed.js";
import { obtainRequestToken } from "../simulator/helpers.js";
import { failure, simulatorFixture } from "../helpers/fixture.js";
import { loginContext, loginInput } from "../helpers/login-input.js";
import { isRunning } from "../helpers/processes.js";
import { depsFor, fastClock, tempDir } from "../helpers/setup.js";

const fx = simulatorFixture();

const apiOptions = (o: Partial<KiteApiOptions> = {}): KiteApiOptions => ({
  apiKey: fx.sim.app.apiKey,
  apiRoot: fx.sim.apiRoot,
  timeoutMs: 5000,
  ...o,
});

const input = (o: Partial<LoginInput> = {}): LoginInput => loginInput(fx.sim, o);
const context = loginContext;

/** What a caller sees of a Kite error: everything but the stack. */
function seen(error: KiteTokenError) {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    kiteMessage: error.kiteMessage,
    kiteErrorType: error.kiteErrorType,
    status: error.status,
  };
}

/** An API root that takes requests and never answers them. */
async function silentApi(): Promise<{ root: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer(() => {
    state.requests += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    root: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function eventually(done: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(
  "logins and Kite API calls in the login host (long-running processes)",
  { timeout: 120_000 },
  () => {
    it("refreshes over HTTP with the login, exchange and verify all in the host, which then ends", async () => {
      const host = new BrowserHost({ idleMs: 300 });
      const pids = new Set<number>();
      const deps = {
        ...depsFor(fx.sim, path.join(tempDir(), "token.json"), { clock: fastClock() }),
        login: new HostedHttpLogin(host),
        kite: new HostedKiteApi(host, apiOptions()),
        onStep: () => {
          if (host.pid !== undefined) pids.add(host.pid);
        },
      };
      const outcome = await refreshed(deps, { force: true });
      expect(outcome.status).toBe("refreshed");
      expect(fx.sim.isAccessTokenValid(outcome.record.access_token)).toBe(true);
      expect(outcome.record.user_id).toBe(fx.sim.account.userId);
      const c = fx.sim.counters;
      expect([c.loginAttempts, c.twofaAttempts, c.exchangeSucceeded, c.profileCalls]).toEqual([
        1, 1, 1, 1,
      ]);
      // One host served every step, and it is gone after its grace.
      expect(pids.size).toBe(1);
      const [pid] = [...pids];
      await eventually(() => host.pid === undefined && !isRunning(pid!), 10_000, "host gone");
    });

    it("answers each Kite failure exactly as the in-process client does", async () => {
      const host = new BrowserHost({ idleMs: 300 });
      const inProcess = new KiteApi(apiOptions());
      const hosted = new HostedKiteApi(host, apiOptions());
      const both = async (run: (kite: KiteCalls) => Promise<unknown>, prepare?: () => void) => {
        prepare?.();
        const here = await failure(run(inProcess));
        prepare?.();
        const there = await failure(run(hosted));
        return [seen(here), seen(there)];
      };
      // One after the other: each case sets the simulator's next answers.
      const cases = [
        // A wrong API secret: the checksum is refused.
        () =>
          both(async (kite) => kite.exchange(await obtainRequestToken(fx.sim), "not-the-secret")),
        // A request token that does not exist (or was spent).
        () => both((kite) => kite.exchange("no-such-request-token", fx.sim.app.apiSecret)),
        // A token Kite does not accept.
        () => both((kite) => kite.verify("not-a-token")),
        // Kite down, with its JSON envelope and with a gateway's HTML page.
        () =>
          both(
            async (kite) => kite.exchange(await obtainRequestToken(fx.sim), fx.sim.app.apiSecret),
            () =>
              fx.sim.setScenario({
                exchangeFailures: [{ status: 503, errorType: "NetworkException" }],
              }),
          ),
        () =>
          both(
            (kite) => kite.verify("not-a-token"),
            () => fx.sim.setScenario({ profileFailures: [{ status: 502, html: true }] }),
          ),
      ];
      const results = [];
      for (const run of cases) results.push(await run());
      await host.stop();
      const codes = results.map(([here, there]) => {
        expect(there).toEqual(here);
        return here!.code;
      });
      expect(codes).toEqual([
        "CHECKSUM_REJECTED",
        "REQUEST_TOKEN_INVALID",
        "TOKEN_REJECTED",
        "KITE_UNAVAILABLE",
        "KITE_UNAVAILABLE",
      ]);
    });

    it("brings back the session and profile, dates included, and a spent request token stays spent", async () => {
      const host = new BrowserHost({ idleMs: 300 });
      const kite = new HostedKiteApi(host, apiOptions());
      const requestToken = await obtainRequestToken(fx.sim);
      const session = await kite.exchange(requestToken, fx.sim.app.apiSecret);
      expect(session.loginTime).toBeInstanceOf(Date);
      expect(session.userId).toBe(fx.sim.account.userId);
      expect(fx.sim.isAccessTokenValid(session.accessToken)).toBe(true);
      expect((await kite.verify(session.accessToken)).user_id).toBe(fx.sim.account.userId);
      const again = await failure(kite.exchange(requestToken, fx.sim.app.apiSecret));
      expect(again.code).toBe("REQUEST_TOKEN_INVALID");
      await kite.invalidate(session.accessToken);
      expect(fx.sim.isAccessTokenValid(session.accessToken)).toBe(false);
      await host.stop();
    });

    it("stops an HTTP login at a wrong password after one attempt (a rejected code: login-host.test.ts)", async () => {
      const host = new BrowserHost({ idleMs: 300 });
      const wrong = await failure(
        new HostedHttpLogin(host).login(input({ password: "wrong-password" }), context()),
      );
      await host.stop();
      expect(seen(wrong)).toMatchObject({ code: "BAD_CREDENTIALS", retryable: false });
      expect(wrong.kiteMessage).toBe("Invalid username or password.");
      expect([fx.sim.counters.loginAttempts, fx.sim.counters.twofaAttempts]).toEqual([1, 0]);
    });

    it("fails a Kite call in flight with a retryable KITE_UNAVAILABLE when the host dies, and the next call works", async () => {
      const silent = await silentApi();
      const host = new BrowserHost({ idleMs: 300 });
      try {
        const call = failure(
          new HostedKiteApi(host, apiOptions({ apiRoot: silent.root })).verify("t"),
        );
        await eventually(() => silent.requests === 1, 10_000, "the call reached the API");
        const killed = host.pid!;
        process.kill(killed, "SIGKILL");
        const error = await call;
        expect(error.code).toBe("KITE_UNAVAILABLE");
        expect(error.retryable).toBe(true);
        expect(error.message).toContain("verify");
        expect(error.message).toContain("SIGKILL");
        const session = await new HostedKiteApi(host, apiOptions()).exchange(
          await obtainRequestToken(fx.sim),
          fx.sim.app.apiSecret,
        );
        expect(fx.sim.isAccessTokenValid(session.accessToken)).toBe(true);
        expect(host.pid).not.toBe(killed);
      } finally {
        await host.stop();
        await silent.close();
      }
    });
  },
);
