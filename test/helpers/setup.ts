import type { AppClock } from "../../src/runner/app.js";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { KiteApi } from "../../src/adapters/kite/api.js";
import { BrowserLogin } from "../../src/adapters/login/browser.js";
import { systemClock, type TotpClock } from "../../src/adapters/login/totp.js";
import { SecretRedactor } from "../../src/core/redact.js";
import type { RefreshDeps } from "../../src/pipeline/refresh.js";
import { FileTokenStore } from "../../src/adapters/stores/file.js";
import { FileLoginLock } from "../../src/adapters/lock/file.js";
import { TwofaBudget } from "../../src/adapters/budget/budget.js";
import { StateFile } from "../../src/adapters/state/state.js";
import type { Simulator } from "../../src/adapters/simulator/index.js";
import { EXPIRING_WITHIN_MS } from "../../src/pipeline/status.js";
import { nextKiteExpiry } from "../../src/core/time.js";

export function tempDir(prefix = "kt-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A real HTTP server standing at the app's redirect URL, counting who reaches it. */
export async function redirectHost(): Promise<{
  url: string;
  hits: string[];
  close(): Promise<void>;
}> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("reached");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/kite/callback`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TOTP clock that skips its waits instantly by moving its own time forward. */
/** An app's clock for tests: the TOTP waits skipped (as fastClock), every other pause instant. */
export function fastAppClock(): AppClock {
  return { ...fastClock(), pause: async () => undefined };
}

export function fastClock(): TotpClock & { skippedMs: number } {
  const clock = {
    skippedMs: 0,
    now: () => Date.now() + clock.skippedMs,
    sleep: async (ms: number) => {
      clock.skippedMs += ms;
    },
  };
  return clock;
}

export interface DepsOverrides {
  password?: string;
  totpSecret?: string;
  redirectUrl?: string | undefined;
  stepMs?: number;
  redirectMs?: number;
  clock?: TotpClock;
  signal?: AbortSignal;
  exchangeDelayMs?: number;
}

/** The refresh pipeline's dependencies, wired to a simulator with real Chromium. */
export function depsFor(sim: Simulator, tokenFile: string, o: DepsOverrides = {}): RefreshDeps {
  const redactor = new SecretRedactor().add(
    sim.app.apiSecret,
    sim.account.password,
    sim.account.totpSecret,
  );
  const dir = path.dirname(tokenFile);
  const state = new StateFile(path.join(dir, "state.json"));
  return {
    credentials: {
      apiKey: sim.app.apiKey,
      apiSecret: sim.app.apiSecret,
      userId: sim.account.userId,
      password: o.password ?? sim.account.password,
      totpSecret: o.totpSecret ?? sim.account.totpSecret,
    },
    loginUrl: sim.loginUrl,
    redirectUrl: "redirectUrl" in o ? o.redirectUrl : sim.app.redirectUrl,
    kite: new KiteApi({ apiKey: sim.app.apiKey, apiRoot: sim.apiRoot, timeoutMs: 5000 }),
    login: new BrowserLogin({
      browserPath: process.env["BROWSER_PATH"],
      noSandbox: undefined,
    }),
    store: new FileTokenStore(tokenFile),
    clock: o.clock ?? systemClock,
    timeouts: { stepMs: o.stepMs ?? 10_000, redirectMs: o.redirectMs ?? 10_000 },
    logger: pino({ level: "silent" }),
    redactor,
    lock: new FileLoginLock(path.join(dir, "refresh.lock")),
    lockWaitMs: 60_000,
    budget: new TwofaBudget(state),
    history: state,
    exchangeRetry: { attempts: 3, delayMs: () => o.exchangeDelayMs ?? 10 },
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/**
 * The state a token saved now reports: "expiring" in the hour before 06:00 IST (when every
 * fresh token has under an hour left), "valid" the rest of the day.
 */
export function freshTokenState(now = new Date()): "valid" | "expiring" {
  return nextKiteExpiry(now).getTime() - now.getTime() < EXPIRING_WITHIN_MS ? "expiring" : "valid";
}
