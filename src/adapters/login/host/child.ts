/**
 * The login host: a child process of kite-token that runs the browser logins, so the
 * worker itself never loads Playwright (ESM modules cannot be unloaded: a worker that
 * loaded it once would carry ~90 MB for the rest of the day). One Chromium is shared by
 * the logins in flight, each in its own isolated context, and closed as soon as none is
 * left. A long-running process (the worker, the console) also runs its HTTP logins and
 * its Kite API calls here, so that the kiteconnect client, the cookie jar and the TOTP
 * library never stay in it between runs. The parent ends this process by disconnecting
 * (after an idle grace, at its own close, or by dying): the browsers are closed and the
 * process exits.
 */
import { enableCompileCache } from "../../../core/compile-cache.js";
import { SecretRedactor } from "../../../core/redact.js";
import { BrowserLogin } from "../browser.js";
import { FailureEvidence } from "../evidence.js";
import { ownChromiumFor } from "../launch.js";
import { SharedBrowser } from "../shared-browser.js";
import type { LoginContext, LoginResult } from "../types.js";
import {
  fromErrorData,
  toErrorData,
  type ChildMessage,
  type ErrorData,
  type HostBrowserSettings,
  type ParentMessage,
} from "./protocol.js";

type LoginMessage = Extract<ParentMessage, { type: "login" }>;
type KiteMessage = Extract<ParentMessage, { type: "kite" }>;
type WarmMessage = Extract<ParentMessage, { type: "warm" }>;
type CallBody = { method: "sleep"; ms: number } | { method: "beforeSecondFactor" };

interface PendingCall {
  settle(now: number, error: ErrorData | undefined): void;
}

/** A Chromium shared by the logins launched with the same settings, and how many use it. */
interface Lane {
  browser: SharedBrowser;
  users: number;
}

const SHUTDOWN_LIMIT_MS = 6000;

/** The logins with the same browser settings share one Chromium. */
const laneKey = (settings: HostBrowserSettings): string =>
  JSON.stringify([settings.browserPath, settings.noSandbox]);

class LoginHost {
  readonly #lanes = new Map<string, Lane>();
  readonly #logins = new Map<number, AbortController>();
  readonly #calls = new Map<number, PendingCall>();
  #nextCall = 0;
  /** The parent has logins waiting for a turn: a Chromium no login uses stays open. */
  #held = false;
  /** Browsers being closed: the host's shutdown waits for them. */
  readonly #closing = new Set<Promise<void>>();

  constructor(private readonly send: (message: ChildMessage) => void) {}

  handle(message: ParentMessage): void {
    if (message.type === "login") void this.#login(message);
    else if (message.type === "kite") void this.#kite(message);
    else if (message.type === "abort") this.#logins.get(message.id)?.abort(new Error("aborted"));
    else if (message.type === "hold") this.#hold(message.on);
    else if (message.type === "warm") this.#warm(message);
    else if (message.type === "cool") this.#cool();
    else {
      const call = this.#calls.get(message.call);
      this.#calls.delete(message.call);
      call?.settle(message.now, message.error);
    }
  }

  /** Stops every login and closes every browser. */
  async shutdown(): Promise<void> {
    for (const controller of this.#logins.values()) controller.abort(new Error("host stopping"));
    const lanes = [...this.#lanes.values()];
    this.#lanes.clear();
    await Promise.all([...lanes.map((lane) => lane.browser.close()), ...this.#closing]);
  }

  /** Held, Chromium stays between logins; released, every one no login uses is closed. */
  #hold(on: boolean): void {
    this.#held = on;
    if (!on) this.#cool();
  }

  /** A login may follow: its Chromium is launched now (a failed launch is met by the login). */
  #warm(message: WarmMessage): void {
    const lane = this.#lane(laneKey(message.browser), message.browser, message.stepMs);
    void lane.browser.browser().catch(() => undefined);
  }

  /** Closes every Chromium no login uses, unless logins are waiting for a turn. */
  #cool(): void {
    if (this.#held) return;
    for (const [key, lane] of this.#lanes) if (lane.users === 0) void this.#closeLane(key, lane);
  }

  /** Closes a lane's Chromium (no login uses it); a login starting now gets a new one. */
  #closeLane(key: string, lane: Lane): Promise<void> {
    this.#lanes.delete(key);
    const closed = lane.browser.close();
    this.#closing.add(closed);
    void closed.finally(() => this.#closing.delete(closed));
    return closed;
  }

  #lane(key: string, settings: HostBrowserSettings, stepMs: number): Lane {
    let lane = this.#lanes.get(key);
    if (!lane) {
      const { browserPath, noSandbox } = settings;
      lane = { browser: new SharedBrowser({ browserPath, noSandbox }, stepMs), users: 0 };
      this.#lanes.set(key, lane);
    }
    return lane;
  }

  /** An RPC to the parent; its reply carries the parent's clock, which `sync` takes. */
  #call(id: number, body: CallBody, sync: (now: number) => void, signal: AbortSignal) {
    return new Promise<void>((resolve, reject) => {
      const call = ++this.#nextCall;
      const onAbort = (): void => {
        this.#calls.delete(call);
        reject(signal.reason as Error);
      };
      this.#calls.set(call, {
        settle: (now, error) => {
          signal.removeEventListener("abort", onAbort);
          sync(now);
          if (error) reject(fromErrorData(error));
          else resolve();
        },
      });
      signal.addEventListener("abort", onAbort, { once: true });
      this.send({ type: "call", call, id, ...body });
    });
  }

  async #login(message: LoginMessage): Promise<void> {
    const { id } = message;
    this.#held = message.hold;
    const controller = new AbortController();
    this.#logins.set(id, controller);
    // The parent's clock, followed between replies: its offset is resynced by each one.
    let offset = message.now - Date.now();
    const sync = (now: number): void => {
      offset = now - Date.now();
    };
    const context: LoginContext = {
      clock: {
        now: () => Date.now() + offset,
        sleep: (ms, signal) =>
          this.#call(id, { method: "sleep", ms }, sync, signal ?? controller.signal),
      },
      signal: controller.signal,
      timeouts: message.timeouts,
      maxTotpSubmissions: message.maxTotpSubmissions,
      beforeSecondFactor: () =>
        this.#call(id, { method: "beforeSecondFactor" }, sync, controller.signal),
      onServerDate: (date) => this.send({ type: "serverDate", id, date }),
      onProgress: (detail) => this.send({ type: "progress", id, detail }),
      onKitePost: (event) => this.send({ type: "kitePost", id, event }),
    };
    let reply: ChildMessage;
    try {
      reply =
        message.strategy === "http"
          ? { type: "done", id, result: await this.#httpLogin(message, context), evidence: [] }
          : await this.#browserLogin(message, context);
    } catch (error) {
      reply = { type: "done", id, error: toErrorData(error), evidence: [] };
    } finally {
      this.#logins.delete(id);
    }
    this.send(reply);
  }

  /** The HTTP login, loaded on first use (a browser-only host never needs it). */
  async #httpLogin(message: LoginMessage, context: LoginContext): Promise<LoginResult> {
    const { HttpLogin } = await import("../http.js");
    return new HttpLogin().login(message.input, context);
  }

  /**
   * A browser login on the shared Chromium of its settings. When no other login uses that
   * Chromium and none is waiting in the parent, its answer comes once Chromium is closed.
   */
  async #browserLogin(message: LoginMessage, context: LoginContext): Promise<ChildMessage> {
    const { id, options } = message;
    const key = laneKey(options);
    const lane = this.#lane(key, options, message.timeouts.stepMs);
    lane.users += 1;
    let evidence: string[] = [];
    const { evidence: where } = options;
    const login = new BrowserLogin({
      browserPath: options.browserPath,
      noSandbox: options.noSandbox,
      shared: lane.browser,
      ...(options.selectors ? { selectors: options.selectors } : {}),
      ...(where
        ? {
            onFailure: async (page, code) => {
              const redactor = new SecretRedactor().add(...where.secrets);
              evidence = await new FailureEvidence({
                dir: where.dir,
                scrub: (text) => redactor.scrub(text),
              }).capture(page, code);
            },
          }
        : {}),
    });
    try {
      return { type: "done", id, result: await login.login(message.input, context), evidence };
    } catch (error) {
      return { type: "done", id, error: toErrorData(error), evidence };
    } finally {
      lane.users -= 1;
      // No login left on this browser and none waiting for a turn: it is closed before
      // the answer goes back. Held, the next login (already queued) uses it at once.
      if (lane.users === 0 && !this.#held && this.#lanes.get(key) === lane)
        await this.#closeLane(key, lane);
    }
  }

  /** One Kite API call with the official client, loaded here on first use. */
  async #kite(message: KiteMessage): Promise<void> {
    const { id, request } = message;
    let reply: ChildMessage;
    try {
      const { KiteApi } = await import("../../kite/api.js");
      const api = new KiteApi(message.api);
      const result: unknown =
        request.call === "exchange"
          ? await api.exchange(...request.args)
          : request.call === "verify"
            ? await api.verify(...request.args)
            : await api.invalidate(...request.args);
      reply = { type: "kiteDone", id, result };
    } catch (error) {
      reply = {
        type: "kiteDone",
        id,
        error: toErrorData(error, ["KITE_UNAVAILABLE", `The Kite ${request.call} call failed.`]),
      };
    }
    this.send(reply);
  }
}

// The entry point: only as a forked child with an IPC channel.
if (process.send === undefined) {
  process.stderr.write("kite-token: the login host runs only as a child of kite-token.\n");
  process.exit(2);
}
// Playwright, loaded for the first login, compiled once for every later host (Node 22+).
enableCompileCache();
// Started ahead of a refresh that may log in (`--warm`): Playwright loads now, while the
// parent reads its configuration and takes the lock. Its Chromium waits for "warm".
if (process.argv.includes("--warm")) void import("playwright-core").catch(() => undefined);
// Its Chromium works for the parent: `--kite-token-owner=<the parent's pid>`.
ownChromiumFor(process.ppid);
const host = new LoginHost((message) => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
});
process.on("message", (message) => host.handle(message as ParentMessage));
const stop = (): void => {
  setTimeout(() => process.exit(0), SHUTDOWN_LIMIT_MS).unref();
  void host.shutdown().finally(() => process.exit(0));
};
// The parent is gone or done with us (it disconnects after its idle grace, or it died).
process.once("disconnect", stop);
process.once("SIGTERM", stop);
// Ctrl-C reaches the whole process group: the parent decides, and aborts the logins.
process.on("SIGINT", () => undefined);
