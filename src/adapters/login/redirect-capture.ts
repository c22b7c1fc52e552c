import type { CDPSession, Page } from "playwright-core";
import { deferred, type Deferred } from "./wait.js";
import { bodyText, fieldOf, PostGate, type GateReply } from "./post-gate.js";
import { devtoolsUrlPattern, isAppRedirect, originAndPath } from "./redirect.js";
import type { KitePostEvent } from "./types.js";

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
  /** Present at the response stage. */
  responseStatusCode?: number;
  responseErrorReason?: string;
  responseHeaders?: Array<{ name: string; value: string }>;
}

/** Where the gated Kite endpoints are, and which field of their body the gate reads. */
export interface GatedEndpoints {
  /** DevTools URL patterns: only these requests are paused. */
  passwordUrlPattern: string;
  twofaUrlPattern: string;
  /** The paths of the endpoints themselves (a paused request elsewhere goes on untouched). */
  loginApiPath: RegExp;
  twofaApiPath: RegExp;
}

const FIELD = { password: "password", twofa: "twofa_value" } as const;

/**
 * Everything the login needs from the protocol level, in one DevTools `Fetch` session on
 * the page, whose patterns pause only what it handles (the rest of the page runs at full
 * speed):
 * - the navigation to the app's redirect URL (any navigation carrying a request token,
 *   and the configured KITE_REDIRECT_URL) is caught and failed, so the single-use
 *   request token never reaches the redirect host, wherever Kite sends it;
 * - every POST to Kite's password and second-factor endpoints passes a `PostGate`: it
 *   leaves the browser only when it carries the value armed by the login (the password,
 *   once; the code the budget has just recorded, once), and Kite's reply to it is read at
 *   the response stage; anything else the page sends is answered inside the browser;
 * - static media is failed before it costs a download.
 */
export class RedirectCapture {
  readonly url: Deferred<string> = deferred<string>();
  readonly password: PostGate;
  readonly twofa: PostGate;
  #session: CDPSession | undefined;
  /** Sent requests waiting for their reply at the response stage: request id → what it carried. */
  readonly #inFlight = new Map<string, { gate: PostGate; value: string }>();

  constructor(
    private readonly redirectUrl: string | undefined,
    private readonly endpoints: GatedEndpoints,
    report: (event: KitePostEvent) => void = () => undefined,
  ) {
    this.password = new PostGate("password", report);
    this.twofa = new PostGate("twofa", report);
  }

  async attach(page: Page): Promise<void> {
    const session = await page.context().newCDPSession(page);
    this.#session = session;
    // Any document carrying a request token, and the configured URL (a redirect there
    // without a token says why the login did not succeed).
    const redirectPatterns = [
      "*request_token=*",
      ...(this.redirectUrl ? [devtoolsUrlPattern(originAndPath(this.redirectUrl))] : []),
    ];
    session.on("Fetch.requestPaused", (event: RequestPaused) => {
      void this.#onPaused(session, event);
    });
    await session.send("Fetch.enable", {
      patterns: [
        ...redirectPatterns.map((urlPattern) => ({
          urlPattern,
          resourceType: "Document" as const,
          requestStage: "Request" as const,
        })),
        { urlPattern: this.endpoints.passwordUrlPattern, requestStage: "Request" },
        { urlPattern: this.endpoints.twofaUrlPattern, requestStage: "Request" },
        ...BLOCKED_TYPES.map((resourceType) => ({
          urlPattern: "*",
          resourceType,
          requestStage: "Request" as const,
        })),
      ],
    });
  }

  /** The gate a request passes, if it is a POST to a gated endpoint. */
  #gateOf(event: RequestPaused): PostGate | undefined {
    if (event.request.method !== "POST" || event.resourceType === "Document") return undefined;
    const path = new URL(event.request.url).pathname;
    if (this.endpoints.twofaApiPath.test(path)) return this.twofa;
    if (this.endpoints.loginApiPath.test(path)) return this.password;
    return undefined;
  }

  async #onPaused(session: CDPSession, event: RequestPaused): Promise<void> {
    const { requestId } = event;
    try {
      const answered = this.#inFlight.get(requestId);
      if (answered) return await this.#onReply(session, event, answered);
      if ((BLOCKED_TYPES as readonly string[]).includes(event.resourceType)) {
        await session.send("Fetch.failRequest", { requestId, errorReason: "BlockedByClient" });
        return;
      }
      const gate = this.#gateOf(event);
      if (gate) return await this.#gated(session, event, gate);
      if (isAppRedirect(event.request.url, this.redirectUrl)) {
        this.url.resolve(event.request.url);
        await session.send("Fetch.failRequest", { requestId, errorReason: "Aborted" });
        return;
      }
      await session.send("Fetch.continueRequest", { requestId });
    } catch {
      // The page or browser went away while the request was paused: nothing to resume.
    }
  }

  async #gated(session: CDPSession, event: RequestPaused, gate: PostGate): Promise<void> {
    const { requestId } = event;
    const value = fieldOf(bodyText(event.request), FIELD[gate.step]);
    const verdict = gate.decide(value);
    if (verdict.kind === "send") {
      this.#inFlight.set(requestId, { gate, value });
      // Paused again once Kite's reply is in, to read it (see #onReply).
      await session.send("Fetch.continueRequest", { requestId, interceptResponse: true });
      return;
    }
    const reply = verdict.kind === "replay" ? await verdict.reply : verdict.reply;
    // Kite's reply to the one sent could not be read: the page's copy fails as a network error.
    if (!reply) {
      await session.send("Fetch.failRequest", { requestId, errorReason: "Failed" });
      return;
    }
    await session.send("Fetch.fulfillRequest", {
      requestId,
      responseCode: reply.status,
      responseHeaders: reply.headers,
      body: reply.body,
    });
  }

  /** Kite's reply to a request that was sent: recorded for the login and for repeats, then let on. */
  async #onReply(
    session: CDPSession,
    event: RequestPaused,
    sent: { gate: PostGate; value: string },
  ): Promise<void> {
    const { requestId } = event;
    this.#inFlight.delete(requestId);
    if (event.responseStatusCode === undefined) {
      // Kite never answered (connection refused or reset): no reply to repeat.
      sent.gate.replied(sent.value, undefined);
      await session.send("Fetch.continueRequest", { requestId });
      return;
    }
    let reply: GateReply | undefined;
    try {
      const body = (await session.send("Fetch.getResponseBody", { requestId })) as {
        body: string;
        base64Encoded: boolean;
      };
      reply = {
        status: event.responseStatusCode,
        headers: event.responseHeaders ?? [],
        body: body.base64Encoded ? body.body : Buffer.from(body.body).toString("base64"),
      };
    } finally {
      sent.gate.replied(sent.value, reply);
    }
    await session.send("Fetch.continueResponse", { requestId });
  }

  async detach(): Promise<void> {
    await this.#session?.detach().catch(() => undefined);
  }
}
