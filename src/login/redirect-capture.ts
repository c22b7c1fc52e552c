import type { CDPSession, Page } from "playwright-core";
import { deferred, type Deferred } from "./wait.js";
import { devtoolsUrlPattern, isAppRedirect } from "./redirect.js";

/** Resource types the login never needs: failed before they cost a download. */
const BLOCKED_TYPES = ["Image", "Font", "Media"] as const;

interface RequestPaused {
  requestId: string;
  request: { url: string };
  resourceType: string;
}

/**
 * Catches the navigation to the app's redirect URL at the protocol level and fails it,
 * so the single-use request token never reaches the redirect host. Only requests
 * matching the patterns are paused (the redirect and static media), which keeps the
 * rest of the page at full speed.
 */
export class RedirectCapture {
  readonly url: Deferred<string> = deferred<string>();
  #session: CDPSession | undefined;

  constructor(private readonly redirectUrl: string | undefined) {}

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
