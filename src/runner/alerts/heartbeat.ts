import type { Logger } from "../../core/log.js";
import type { SecretRedactor } from "../../core/redact.js";

/** What a ping says: a run started, succeeded, or failed. */
export type PingKind = "start" | "success" | "fail";

/** Each ping's timeout, and how many times it is tried. */
export const PING_TIMEOUT_MS = 3000;
export const PING_TRIES = 3;
const PING_PAUSE_MS = 500;

/** The longest the body of a `/fail` ping is (healthchecks.io keeps the first 100 kB). */
const MAX_REASON = 300;

export interface HeartbeatOptions {
  /** HEARTBEAT_URL, without a trailing slash. */
  url: string;
  logger: Logger;
  redactor: SecretRedactor;
  /** The pause between tries (the app clock's `pause`). */
  pause: (ms: number) => Promise<void>;
}

/**
 * The dead-man's switch: pings HEARTBEAT_URL the way healthchecks.io, Uptime Kuma's push
 * monitors and similar services expect (`<url>/start`, `<url>`, `<url>/fail` with a short
 * redacted reason in the body). A ping is short and tried a little; it never throws, and
 * never changes a run's outcome. The URL is never logged (its path is its secret).
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #base: string;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#base = options.url.replace(/\/+$/, "");
  }

  /**
   * Where a ping goes, and its body: healthchecks.io's form (`<url>/start`, `<url>`,
   * `<url>/fail` with the reason as the body), or for an Uptime Kuma push URL
   * (`…/api/push/<token>`), which knows no start, `?status=up` and `?status=down&msg=…`.
   */
  #request(kind: PingKind, reason: string | undefined): { url: string; body?: string } | undefined {
    const url = new URL(this.#base);
    if (url.pathname.includes("/api/push/")) {
      if (kind === "start") return undefined;
      url.searchParams.set("status", kind === "success" ? "up" : "down");
      url.searchParams.set("msg", kind === "success" ? "OK" : (reason ?? "failed"));
      return { url: url.toString() };
    }
    if (kind !== "success") url.pathname = `${url.pathname.replace(/\/+$/, "")}/${kind}`;
    return { url: url.toString(), ...(reason === undefined ? {} : { body: reason }) };
  }

  /** Resolves with whether the monitor answered 2xx; never throws. */
  async ping(kind: PingKind, reason?: string): Promise<boolean> {
    const said =
      reason === undefined ? undefined : this.#o.redactor.scrub(reason).slice(0, MAX_REASON);
    const request = this.#request(kind, said);
    if (!request) return true;
    const { url, body } = request;
    let last = "";
    for (let attempt = 1; attempt <= PING_TRIES; attempt++) {
      try {
        const response = await fetch(url, {
          method: body === undefined ? "GET" : "POST",
          headers: {
            "user-agent": "kite-token",
            ...(body === undefined ? {} : { "content-type": "text/plain; charset=utf-8" }),
          },
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(PING_TIMEOUT_MS),
        });
        await response.body?.cancel().catch(() => undefined);
        if (response.ok) {
          this.#o.logger.debug({ ping: kind, attempt }, "heartbeat sent");
          return true;
        }
        last = `HTTP ${response.status}`;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        last =
          (error as Error).name === "TimeoutError"
            ? `no answer within ${PING_TIMEOUT_MS / 1000} s`
            : (cause?.code ?? (error as Error).name);
      }
      if (attempt < PING_TRIES) await this.#o.pause(PING_PAUSE_MS);
    }
    this.#o.logger.warn({ ping: kind, tries: PING_TRIES, reason: last }, "heartbeat not sent");
    return false;
  }
}
