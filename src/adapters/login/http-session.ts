import { CookieJar } from "tough-cookie";
import { aborted, KiteTokenError } from "../../core/errors.js";

export interface HttpReply {
  status: number;
  /** The `Location` header resolved against the request URL, for a redirect. */
  location: string | undefined;
  contentType: string;
  text: string;
}

/**
 * A browserless web session on Kite's login origin: Node's fetch with a cookie jar,
 * redirects never followed (the caller decides, so the app's redirect URL is never
 * contacted), every request bounded by a timeout and the run's abort signal.
 */
export class HttpSession {
  readonly #jar = new CookieJar();

  constructor(
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get(url: string): Promise<HttpReply> {
    return this.#send(url, { method: "GET" });
  }

  postForm(url: string, fields: Record<string, string>): Promise<HttpReply> {
    return this.#send(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async #send(url: string, init: RequestInit): Promise<HttpReply> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = this.signal ? AbortSignal.any([this.signal, timeout]) : timeout;
    const headers = new Headers(init.headers);
    headers.set("X-Kite-Version", "3");
    const cookies = await this.#jar.getCookieString(url);
    if (cookies) headers.set("Cookie", cookies);
    const path = new URL(url).pathname;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { ...init, headers, redirect: "manual", signal });
      text = await response.text();
    } catch (error) {
      if (this.signal?.aborted) {
        throw aborted("The login was stopped.", this.signal);
      }
      const reason = timeout.aborted
        ? `no answer within ${Math.round(this.timeoutMs / 1000)} s`
        : "connection failed";
      throw new KiteTokenError(
        "KITE_UNAVAILABLE",
        `Kite's ${path} could not be reached (${reason}).`,
        {
          cause: error,
        },
      );
    }
    for (const line of response.headers.getSetCookie()) {
      await this.#jar.setCookie(line, url, { ignoreError: true });
    }
    const location = response.headers.get("location");
    return {
      status: response.status,
      location: location === null ? undefined : new URL(location, url).toString(),
      contentType: response.headers.get("content-type") ?? "",
      text,
    };
  }
}
