import type { ChildProcess } from "node:child_process";
import { aborted, KiteTokenError } from "../../../core/errors.js";
import type { Logger } from "../../../core/log.js";
import type { KiteApiOptions, KiteCallName, KiteCalls } from "../../kite/api.js";
import type { LoginContext, LoginInput, LoginResult } from "../types.js";
import {
  fromErrorData,
  toErrorData,
  type ChildMessage,
  type HostBrowserSettings,
  type HostedStrategy,
  type HostLoginOptions,
  type KiteRequest,
  type ParentMessage,
} from "./protocol.js";
import { forkLoginHost } from "./spawn.js";

/** How long the host stays after its last login, by default. */
export const DEFAULT_HOST_IDLE_MS = 5000;
/** How long an aborted login may take to stop before its host is killed. */
const ABORT_GRACE_MS = 10_000;
/** How long the host may take to close its browsers and exit when stopped. */
const STOP_LIMIT_MS = 7000;

export interface BrowserHostOptions {
  /** How long the host process stays after its last login (default 5 s). */
  idleMs?: number;
  /** How long an aborted login may take to stop before the host is killed (default 10 s). */
  abortGraceMs?: number;
  logger?: Logger;
  /**
   * A host process already started (`forkLoginHost({ warm: true })`, by a command before
   * it read its configuration): used for the first login, and stopped with this host.
   */
  started?: ChildProcess;
}

export interface HostLoginRequest {
  /** Which login the host runs (default: the browser). */
  strategy?: HostedStrategy;
  input: LoginInput;
  options: HostLoginOptions;
  context: LoginContext;
}

interface Pending {
  child: ChildProcess;
  /** A login's context; none for a Kite API call. */
  context: LoginContext | undefined;
  /** The Kite API call, for a Kite API call. */
  kiteCall?: KiteCallName;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  /** What the parent's `beforeSecondFactor` threw: the login fails with it. */
  refusal?: unknown;
  aborted: boolean;
  killTimer?: NodeJS.Timeout;
}

/**
 * The worker's side of the login host: forks the host process (`child.js`) when a login
 * or a Kite API call needs it, forwards the login's callbacks across the IPC channel, and
 * ends the process once nothing has needed it for `idleMs`. A host that dies fails its
 * logins in flight with BROWSER_FAILED (its Kite calls with KITE_UNAVAILABLE); the next
 * request forks a fresh one.
 */
export class BrowserHost {
  #child: ChildProcess | undefined;
  readonly #pending = new Map<number, Pending>();
  /** Processes told to stop: their logins in flight fail as stopped, not crashed. */
  readonly #stopping = new WeakSet<ChildProcess>();
  /** Processes sent anything: only these can have launched a browser. */
  readonly #asked = new WeakSet<ChildProcess>();
  /** The process last told to warm a browser, until it is told to cool. */
  #warmed: ChildProcess | undefined;
  #nextId = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Logins are waiting for a turn: the host keeps its Chromium between two of them. */
  #hold = false;

  constructor(private readonly options: BrowserHostOptions = {}) {
    if (options.started?.connected) {
      this.#adopt(options.started);
      // Nothing asked of it yet: it ends after the idle grace unless a login comes.
      this.#busy(options.started, false);
    }
  }

  /** The host process's pid, while there is one. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  login(request: HostLoginRequest): Promise<LoginResult> {
    const { context } = request;
    if (context.signal?.aborted) {
      return Promise.reject(aborted("The login was stopped.", context.signal));
    }
    clearTimeout(this.#idleTimer);
    const child = this.#current();
    const id = ++this.#nextId;
    return new Promise<LoginResult>((resolve, reject) => {
      const pending: Pending = {
        child,
        context,
        resolve: resolve as (result: unknown) => void,
        reject,
        aborted: false,
      };
      this.#pending.set(id, pending);
      this.#busy(child, true);
      const onAbort = (): void => this.#abort(id, pending);
      context.signal?.addEventListener("abort", onAbort, { once: true });
      const settle = (): void => context.signal?.removeEventListener("abort", onAbort);
      pending.resolve = (result) => (settle(), resolve(result as LoginResult));
      pending.reject = (error) => (settle(), reject(error));
      this.#send(child, {
        type: "login",
        id,
        strategy: request.strategy ?? "browser",
        input: request.input,
        options: request.options,
        timeouts: context.timeouts,
        maxTotpSubmissions: context.maxTotpSubmissions,
        now: context.clock.now(),
        hold: this.#hold,
      });
    });
  }

  /**
   * Keeps the host's Chromium open between two logins while `on` (logins are queued for a
   * turn, so one follows at once and need not launch it again). Turned off when the last
   * waiter was handed its turn, the next login's message carries it (a message now would
   * close the browser that login is about to use); turned off otherwise, the host closes
   * a Chromium no login uses at once.
   */
  holdBrowser(on: boolean, handedOver = false): void {
    if (this.#hold === on) return;
    this.#hold = on;
    const child = this.#child;
    if (child?.connected && (on || !handedOver)) this.#send(child, { type: "hold", on });
  }

  /**
   * A login may follow (a refresh began): the host launches Chromium with these settings
   * now, while the caller reads its state and takes the lock. No page is opened and Kite
   * is not contacted; `cool()` closes that Chromium again when no login came.
   */
  warm(browser: HostBrowserSettings, stepMs: number): void {
    const child = this.#current();
    this.#warmed = child;
    this.#send(child, { type: "warm", browser, stepMs });
    if (![...this.#pending.values()].some((p) => p.child === child)) this.#busy(child, false);
  }

  /** The login that `warm` was for will not come: a Chromium no login uses is closed. */
  cool(): void {
    const child = this.#warmed;
    this.#warmed = undefined;
    if (child?.connected && child === this.#child) this.#send(child, { type: "cool" });
  }

  /** One call of the official Kite client, made in the host (which loads the client there). */
  kite<K extends KiteCallName>(
    api: KiteApiOptions,
    call: K,
    ...args: Parameters<KiteCalls[K]>
  ): ReturnType<KiteCalls[K]> {
    clearTimeout(this.#idleTimer);
    const child = this.#current();
    const id = ++this.#nextId;
    const result = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, {
        child,
        context: undefined,
        kiteCall: call,
        resolve,
        reject,
        aborted: false,
      });
      this.#busy(child, true);
      this.#send(child, { type: "kite", id, api, request: { call, args } as KiteRequest });
    });
    return result as ReturnType<KiteCalls[K]>;
  }

  /** Ends the host process (its browsers closed); logins in flight fail as BROWSER_FAILED. */
  async stop(): Promise<void> {
    clearTimeout(this.#idleTimer);
    const child = this.#child;
    this.#child = undefined;
    if (child) await this.#retire(child);
  }

  #current(): ChildProcess {
    if (this.#child?.connected) return this.#child;
    return this.#adopt(forkLoginHost());
  }

  #adopt(child: ChildProcess): ChildProcess {
    this.#child = child;
    this.options.logger?.debug({ pid: child.pid }, "login host started");
    child.on("message", (message) => this.#onMessage(child, message as ChildMessage));
    child.once("error", (error) => this.#gone(child, error.message));
    child.once("exit", (code, signal) =>
      this.#gone(child, signal ? `killed by ${signal}` : `exit code ${code}`),
    );
    return child;
  }

  #send(child: ChildProcess, message: ParentMessage): void {
    this.#asked.add(child);
    try {
      child.send(message, (error) => {
        if (error) this.#gone(child, `its channel failed (${error.message})`);
      });
    } catch (error) {
      this.#gone(child, `its channel failed (${(error as Error).message})`);
    }
  }

  #onMessage(child: ChildProcess, message: ChildMessage): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    if (message.type === "kiteDone") {
      this.#settled(message.id, pending);
      if ("result" in message) pending.resolve(message.result);
      else pending.reject(fromErrorData(message.error));
      return;
    }
    const { context } = pending;
    if (!context) return;
    switch (message.type) {
      case "serverDate":
        context.onServerDate?.(message.date);
        return;
      case "progress":
        context.onProgress?.(message.detail);
        return;
      case "kitePost":
        context.onKitePost?.(message.event);
        return;
      case "call": {
        const answer =
          message.method === "sleep"
            ? context.clock.sleep(message.ms, context.signal)
            : (context.beforeSecondFactor?.() ?? Promise.resolve());
        void answer.then(
          () => this.#send(child, { type: "reply", call: message.call, now: context.clock.now() }),
          (error: unknown) => {
            if (message.method === "beforeSecondFactor") pending.refusal = error;
            this.#send(child, {
              type: "reply",
              call: message.call,
              now: context.clock.now(),
              error: toErrorData(error),
            });
          },
        );
        return;
      }
      case "done":
        this.#settled(message.id, pending);
        if (message.evidence.length > 0) pending.context?.onEvidence?.(message.evidence);
        if ("result" in message) pending.resolve(message.result);
        else pending.reject(pending.refusal ?? fromErrorData(message.error));
    }
  }

  #abort(id: number, pending: Pending): void {
    pending.aborted = true;
    this.#send(pending.child, { type: "abort", id });
    // A host that does not answer an abort in time is killed: its browser goes with it.
    pending.killTimer = setTimeout(() => {
      this.options.logger?.warn({ pid: pending.child.pid }, "login host did not stop; killed");
      pending.child.kill("SIGKILL");
    }, this.options.abortGraceMs ?? ABORT_GRACE_MS);
  }

  #settled(id: number, pending: Pending): void {
    clearTimeout(pending.killTimer);
    this.#pending.delete(id);
    const busy = [...this.#pending.values()].some((p) => p.child === pending.child);
    this.#busy(pending.child, busy);
  }

  /** A busy host keeps this process alive; an idle one does not, and ends after the grace. */
  #busy(child: ChildProcess, busy: boolean): void {
    const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
    if (busy) {
      child.ref();
      channel?.ref();
      clearTimeout(this.#idleTimer);
      return;
    }
    child.unref();
    channel?.unref();
    if (child !== this.#child) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(
      () => void this.stop(),
      this.options.idleMs ?? DEFAULT_HOST_IDLE_MS,
    );
    this.#idleTimer.unref();
  }

  /** Disconnects (the host closes its browsers and exits); killed if it takes too long. */
  async #retire(child: ChildProcess): Promise<void> {
    this.#stopping.add(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // A host never asked anything (started ahead of a refresh that did not log in) has no
    // browser to close: it is ended at once, not waited for while it loads Playwright.
    if (!this.#asked.has(child)) child.kill("SIGKILL");
    else if (child.connected) child.disconnect();
    else child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_LIMIT_MS);
    await exited;
    clearTimeout(timer);
    this.options.logger?.debug({ pid: child.pid }, "login host stopped");
  }

  /** The host process ended (or never started): its logins in flight fail. */
  #gone(child: ChildProcess, what: string): void {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (this.#child === child) {
      this.#child = undefined;
      clearTimeout(this.#idleTimer);
    }
    const stopped = this.#stopping.has(child);
    for (const [id, pending] of this.#pending) {
      if (pending.child !== child) continue;
      this.#settled(id, pending);
      if (pending.kiteCall) {
        // Kite may or may not have seen the call: retryable (an exchange is retried with
        // the same request token, which Kite then answers as spent or not).
        pending.reject(
          new KiteTokenError(
            "KITE_UNAVAILABLE",
            `The process making the Kite ${pending.kiteCall} call (pid ${child.pid}) ${stopped ? "was closed" : `ended unexpectedly (${what})`}; the call's answer was lost.`,
          ),
        );
        continue;
      }
      pending.reject(
        pending.aborted
          ? aborted("The login was stopped.", pending.context?.signal)
          : new KiteTokenError(
              "BROWSER_FAILED",
              stopped
                ? `The browser login was stopped: its process (pid ${child.pid}) was closed while the login ran.`
                : `The browser login's process (pid ${child.pid}) ended unexpectedly (${what}); the login was lost.`,
            ),
      );
    }
  }
}
