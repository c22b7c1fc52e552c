import type { CDPSession, Page } from "playwright-core";
import { deferred, type Deferred } from "./wait.js";
import { devtoolsUrlPattern, isAppRedirect } from "./redirect.js";

/** Resource types the login never needs: failed before they cost a download. */
const BLOCKED_TYPES = ["Image", "Font", "Media"] as const;

interface RequestPaused {
  requestId: string;
  request: {
    url: string;
    method: string;
    postData?: string;
    postDataEntries?: Array<{ bytes?: string }>;
  };
  resourceType: string;
}

/** The code a second-factor request carries (form or JSON body), or its whole body. */
function twofaValueOf(request: RequestPaused["request"]): string {
  const body =
    request.postData ??
    (request.postDataEntries ?? [])
      .map((entry) => Buffer.from(entry.bytes ?? "", "base64").toString("utf8"))
      .join("");
  try {
    if (body.trimStart().startsWith("{")) {
      const value = (JSON.parse(body) as { twofa_value?: unknown }).twofa_value;
      return typeof value === "string" || typeof value === "number" ? String(value) : body;
    }
  } catch {
    return body;
  }
  return new URLSearchParams(body).get("twofa_value") ?? body;
}

/**
 * Catches the navigation to the app's redirect URL at the protocol level and fails it,
 * so the single-use request token never reaches the redirect host. Only requests
 * matching the patterns are paused (the redirect and static media), which keeps the
 * rest of the page at full speed.
 *
 * With `twofaUrlPattern`, it also guards the second factor: a second request carrying a
 * code already sent (a click after the page submitted by itself) is failed in the
 * browser, so Kite never receives one code twice.
 */
export class RedirectCapture {
  readonly url: Deferred<string> = deferred<string>();
  #session: CDPSession | undefined;
  readonly #twofaCodes = new Set<string>();

  constructor(
    private readonly redirectUrl: string | undefined,
    private readonly twofaUrlPattern?: string,
  ) {}

  /** Whether the page already sent a second-factor request carrying this code. */
  sentTwofaCode(code: string): boolean {
    return this.#twofaCodes.has(code);
  }

  async attach(page: Page): Promise<void> {
    const session = await page.context().newCDPSession(page);
    this.#session = session;
    const redirectPattern = this.redirectUrl
      ? devtoolsUrlPattern(new URL(this.redirectUrl).origin + new URL(this.redirectUrl).pathname)
      : "*request_token=*";
    session.on("Fetch.requestPaused", (event: RequestPaused) => {
      void this.#onPaused(session, event);
    });
    await session.send("Fetch.enable", {
      patterns: [
        { urlPattern: redirectPattern, resourceType: "Document", requestStage: "Request" },
        ...(this.twofaUrlPattern
          ? [{ urlPattern: this.twofaUrlPattern, requestStage: "Request" as const }]
          : []),
        ...BLOCKED_TYPES.map((resourceType) => ({
          urlPattern: "*",
          resourceType,
          requestStage: "Request" as const,
        })),
      ],
    });
  }

  async #onPaused(session: CDPSession, event: RequestPaused): Promise<void> {
    try {
      if ((BLOCKED_TYPES as readonly string[]).includes(event.resourceType)) {
        await session.send("Fetch.failRequest", {
          requestId: event.requestId,
          errorReason: "BlockedByClient",
        });
      } else if (
        event.request.method === "POST" &&
        event.resourceType !== "Document" &&
        this.twofaUrlPattern
      ) {
        const code = twofaValueOf(event.request);
        const repeated = this.#twofaCodes.has(code);
        this.#twofaCodes.add(code);
        await (repeated
          ? session.send("Fetch.failRequest", {
              requestId: event.requestId,
              errorReason: "Aborted",
            })
          : session.send("Fetch.continueRequest", { requestId: event.requestId }));
      } else if (isAppRedirect(event.request.url, this.redirectUrl)) {
        this.url.resolve(event.request.url);
        await session.send("Fetch.failRequest", {
          requestId: event.requestId,
          errorReason: "Aborted",
        });
      } else {
        await session.send("Fetch.continueRequest", { requestId: event.requestId });
      }
    } catch {
      // The page or browser went away while the request was paused: nothing to resume.
    }
  }

  async detach(): Promise<void> {
    await this.#session?.detach().catch(() => undefined);
  }
}
