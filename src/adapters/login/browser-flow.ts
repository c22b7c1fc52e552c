import type { Locator, Page, Response } from "playwright-core";
import { aborted, KiteTokenError } from "../../core/errors.js";
import { appCodeRequired, classifyLoginRejection } from "./classify.js";
import type { GateReply, PostGate } from "./post-gate.js";
import type { RedirectCapture } from "./redirect-capture.js";
import type { LoginSelectors } from "../../config/selectors.js";
import { originAndPath, requestTokenFrom } from "./redirect.js";
import { answerSecondFactor } from "./second-factor.js";
import type { LoginContext, LoginInput, LoginResult } from "./types.js";
import { firstOf } from "./wait.js";

interface ApiReply {
  kind: "api";
  status: number;
  body:
    | { status?: string; message?: string; error_type?: string; data?: { twofa_type?: string } }
    | undefined;
}

/** Kite's reply as the gate read it where it came into the browser. */
function apiReplyOf(reply: GateReply): ApiReply {
  let body: ApiReply["body"];
  try {
    body = JSON.parse(Buffer.from(reply.body, "base64").toString("utf8")) as ApiReply["body"];
  } catch {
    body = undefined;
  }
  return { kind: "api", status: reply.status, body };
}

const succeeded = (reply: ApiReply): boolean =>
  reply.status < 400 && (reply.body?.status === undefined || reply.body.status === "success");

/** How long the page has to send a code once it is in the box, per try (the box may be cleared or rebuilt). */
const SEND_TRY_MS = 1500;
const SEND_TRIES = 3;

/** The page steps of one login: open, credentials, second factor, consent, redirect. */
export class BrowserLoginFlow {
  constructor(
    private readonly page: Page,
    private readonly capture: RedirectCapture,
    private readonly selectors: LoginSelectors,
    private readonly input: LoginInput,
    private readonly context: LoginContext,
  ) {}

  async run(): Promise<LoginResult> {
    await this.#open();
    const loginReply = await this.#submitPassword();
    const totpSubmissions = await this.#secondFactor(loginReply);
    const redirect = await this.capture.url.promise;
    return {
      requestToken: requestTokenFrom(redirect),
      totpSubmissions,
      redirectedTo: originAndPath(redirect),
    };
  }

  #progress(event: string): void {
    this.context.onProgress?.(event);
  }

  /** Kite's reply to the value the gate let through, as it came into the browser. */
  async #replyTo(gate: PostGate, value: string): Promise<ApiReply> {
    const reply = await gate.reply(value);
    if (reply === undefined) throw new Error("Kite's reply could not be read");
    return apiReplyOf(reply);
  }

  /** Whether `value` left the browser through `gate` within `ms`. */
  async #sentThrough(gate: PostGate, value: string, ms: number): Promise<boolean> {
    const sent = await firstOf([gate.left(value).then(() => true)], ms);
    return sent === true;
  }

  /**
   * Waits for a field. One that does not show in time is told apart: a page still
   * loading (its document not complete, or nothing rendered yet: no visible field at
   * all, no text) is LOGIN_PAGE_SLOW, transient; a page that rendered (its fields or
   * its text) with nothing the selector matches is LOGIN_PAGE_CHANGED. `late`: whether lateness can be told (the
   * login form, before anything was sent; afterwards the page shows the earlier form).
   */
  async #visible(
    locator: Locator,
    what: string,
    { timeout = this.context.timeouts.stepMs, late = false } = {},
  ): Promise<Locator> {
    try {
      await locator.waitFor({ state: "visible", timeout });
      return locator;
    } catch (error) {
      this.#throwIfAborted();
      const seconds = Math.round(timeout / 1000);
      const loading = late ? await this.#stillLoading() : undefined;
      if (loading) {
        throw new KiteTokenError(
          "LOGIN_PAGE_SLOW",
          `Kite's login page answered but had not shown ${what} within ${seconds} s (${loading}).`,
          { cause: error },
        );
      }
      throw new KiteTokenError(
        "LOGIN_PAGE_CHANGED",
        `The login page never showed ${what} within ${seconds} s.`,
        { cause: error },
      );
    }
  }

  /**
   * Why the page is still loading, or undefined when it has rendered: its document is
   * complete and it shows something (a field, or text, as a redesigned or maintenance
   * page does). A single-page app still building its form shows neither.
   */
  async #stillLoading(): Promise<string | undefined> {
    const seen = await firstOf(
      [
        this.page.evaluate(() => ({
          ready: document.readyState,
          text: (document.body?.innerText ?? "").trim().length,
          fields: Array.from(document.querySelectorAll("input, select, textarea, button")).filter(
            (e) => e.getClientRects().length > 0,
          ).length,
        })),
      ],
      2000,
    );
    if (!seen) return "it did not answer a look at its document";
    if (seen.ready !== "complete") return `its document still ${seen.ready}`;
    if (seen.fields === 0 && seen.text === 0) return "nothing rendered yet";
    return undefined;
  }

  #throwIfAborted(): void {
    if (this.context.signal?.aborted) {
      throw aborted("The login was stopped.", this.context.signal);
    }
  }

  async #errorText(): Promise<string | undefined> {
    const text = await this.page
      .locator(this.selectors.error)
      .first()
      .innerText({ timeout: 500 })
      .catch(() => "");
    return text.trim() || undefined;
  }

  async #open(): Promise<void> {
    let response: Response | null;
    try {
      response = await this.page.goto(this.input.loginUrl, {
        waitUntil: "domcontentloaded",
        timeout: this.context.timeouts.stepMs,
      });
    } catch (error) {
      this.#throwIfAborted();
      const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : "";
      throw new KiteTokenError(
        "KITE_UNAVAILABLE",
        `Kite's login page could not be loaded (${reason}).`,
        {
          cause: error,
        },
      );
    }
    this.context.onServerDate?.(response?.headers()["date"]);
    const status = response?.status() ?? 200;
    if (status >= 500) {
      throw new KiteTokenError("KITE_UNAVAILABLE", `Kite's login page answered HTTP ${status}.`, {
        status,
      });
    }
    if (status >= 400) {
      const text = (
        await this.page
          .locator("body")
          .innerText({ timeout: 1000 })
          .catch(() => "")
      ).trim();
      throw new KiteTokenError(
        "EXCHANGE_FAILED",
        `Kite's login page refused the app (HTTP ${status}).`,
        {
          status,
          kiteMessage: text.slice(0, 200) || undefined,
        },
      );
    }
    this.#progress("login page loaded");
  }

  async #submitPassword(): Promise<ApiReply | undefined> {
    const { selectors: sel, page, capture } = this;
    const stepMs = this.context.timeouts.stepMs;
    const user = await this.#visible(page.locator(sel.userId).first(), "the user id field", {
      late: true,
    });
    const password = await this.#visible(page.locator(sel.password).first(), "the password field", {
      late: true,
    });
    await user.fill(this.input.userId);
    await password.fill(this.input.password);
    // The one password post of this login: the gate lets exactly this one through.
    capture.password.arm(this.input.password);
    await page.locator(sel.submit).first().click({ timeout: stepMs });
    this.#progress("credentials submitted");
    const sent = await this.#sentThrough(capture.password, this.input.password, stepMs);
    capture.password.disarm();
    if (!sent) {
      this.#throwIfAborted();
      throw new KiteTokenError(
        "LOGIN_PAGE_CHANGED",
        `The login page did not send the user id and password within ${Math.round(stepMs / 1000)} s of the click.`,
      );
    }

    const outcome = await firstOf<ApiReply | { kind: "twofa" } | { kind: "error"; text: string }>(
      [
        this.#replyTo(capture.password, this.input.password),
        page
          .locator(sel.twofaInput)
          .first()
          .waitFor({ state: "visible", timeout: stepMs })
          .then(() => ({ kind: "twofa" as const })),
        page
          .locator(sel.error)
          .filter({ hasText: /\S/ })
          .first()
          .waitFor({ state: "visible", timeout: stepMs })
          .then(async () => ({ kind: "error" as const, text: (await this.#errorText()) ?? "" })),
      ],
      stepMs,
    );
    this.#throwIfAborted();
    if (outcome === undefined) {
      throw new KiteTokenError(
        "LOGIN_PAGE_CHANGED",
        `Nothing happened within ${Math.round(stepMs / 1000)} s of submitting the user id and password.`,
      );
    }
    if (outcome.kind === "error") throw classifyLoginRejection("password", outcome.text, undefined);
    if (outcome.kind === "api") {
      if (!succeeded(outcome)) {
        throw classifyLoginRejection(
          "password",
          outcome.body?.message ?? (await this.#errorText()),
          outcome.status,
          outcome.body?.error_type,
        );
      }
      return outcome;
    }
    return undefined;
  }

  async #secondFactor(loginReply: ApiReply | undefined): Promise<number> {
    const { selectors: sel, page, context } = this;
    await this.#visible(page.locator(sel.twofaInput).first(), "the second-factor (TOTP) box");
    // Kite's reply to /api/login names the second factor; read the page only without it.
    const formText =
      loginReply === undefined
        ? await page
            .locator(sel.twofaForm)
            .first()
            .innerText({ timeout: 1000 })
            .catch(() => "")
        : "";
    const appCode =
      loginReply?.body?.data?.twofa_type === "app_code" ||
      (sel.appCodeText.test(formText) && !sel.totpText.test(formText));
    if (appCode) {
      throw appCodeRequired();
    }
    return answerSecondFactor(this.input.totpSecret, context, async (code) => {
      const outcome = await this.#submitCode(code);
      if (outcome === "redirect") return { answer: "accepted" };
      if (outcome === "unsent") {
        return {
          answer: "unsent",
          error: new KiteTokenError(
            "LOGIN_PAGE_CHANGED",
            "The login page never sent the second-factor code to Kite; nothing was spent.",
          ),
        };
      }
      if (outcome === undefined) throw await this.#redirectTimeout();
      if (succeeded(outcome)) return { answer: "accepted" };
      return {
        answer: "rejected",
        error: classifyLoginRejection(
          "twofa",
          outcome.body?.message,
          outcome.status,
          outcome.body?.error_type,
        ),
      };
    }).then(async (submissions) => {
      await this.#finishAfterTwofa();
      return submissions;
    });
  }

  /**
   * Puts the code in the box and has the page send it, once. The gate lets exactly this
   * code through, once, whatever the page does (submit by itself on typing, on change or
   * later, post twice per click, clear or rebuild its form): so the box is filled and the
   * button clicked again while the code has not left (a box cleared or replaced under
   * us), and a click after the page sent it by itself is held in the browser.
   * Resolves with Kite's reply, "redirect" when the page moved on to the app, "unsent"
   * when the page never sent the code, or undefined when Kite did not answer in time.
   */
  async #submitCode(code: string): Promise<ApiReply | "redirect" | "unsent" | undefined> {
    const { selectors: sel, page, capture } = this;
    const redirectMs = this.context.timeouts.redirectMs;
    capture.twofa.arm(code);
    let sent = false;
    for (let attempt = 0; attempt < SEND_TRIES && !sent; attempt += 1) {
      const box = await this.#visible(
        page.locator(sel.twofaInput).first(),
        "the second-factor (TOTP) box",
      );
      // A later try refills only a box the page cleared or replaced.
      const typed =
        attempt > 0 && (await box.inputValue({ timeout: 1000 }).catch(() => "")) === code;
      if (!typed) await box.fill(code, { timeout: 2000 }).catch(() => undefined);
      // Kite may submit by itself once six digits are in; the click is the fallback for
      // a page that does not, and harmless when it did (the gate holds the second post).
      if (!capture.twofa.wasSent(code) && !capture.url.settled) {
        void page
          .locator(sel.twofaSubmit)
          .first()
          .click({ timeout: 2000, noWaitAfter: true })
          .catch(() => undefined);
      }
      sent = await this.#sentThrough(capture.twofa, code, SEND_TRY_MS);
      this.#throwIfAborted();
    }
    capture.twofa.disarm();
    if (!sent) return "unsent";
    this.#progress("TOTP submitted");
    return firstOf<ApiReply | "redirect">(
      [this.#replyTo(capture.twofa, code), capture.url.promise.then(() => "redirect" as const)],
      redirectMs,
    );
  }

  async #finishAfterTwofa(): Promise<void> {
    const redirectMs = this.context.timeouts.redirectMs;
    const next = await firstOf<"redirect" | "authorize">(
      [
        this.capture.url.promise.then(() => "redirect" as const),
        this.page
          .waitForURL((url) => url.pathname.includes("/connect/authorize"), {
            timeout: redirectMs,
            waitUntil: "domcontentloaded",
          })
          .then(() => "authorize" as const),
      ],
      redirectMs,
    );
    this.#throwIfAborted();
    if (next === undefined) throw await this.#redirectTimeout();
    if (next === "redirect") return;
    this.#progress("authorizing the app (first use)");
    const button = await this.#visible(
      this.page.locator(this.selectors.authorizeButton).first(),
      "the authorize button",
    );
    await button.click({ timeout: this.context.timeouts.stepMs, noWaitAfter: true });
    const done = await firstOf([this.capture.url.promise], redirectMs);
    if (done === undefined) throw await this.#redirectTimeout();
  }

  async #redirectTimeout(): Promise<KiteTokenError> {
    this.#throwIfAborted();
    const text = await this.#errorText();
    if (text) return classifyLoginRejection("twofa", text, undefined);
    const seconds = Math.round(this.context.timeouts.redirectMs / 1000);
    return new KiteTokenError(
      "REDIRECT_TIMEOUT",
      `Kite did not redirect with a request token within ${seconds} s of the second factor.`,
    );
  }
}
