import type { Locator, Page, Response } from "playwright-core";
import { KiteTokenError } from "../errors.js";
import { classifyLoginRejection } from "./classify.js";
import type { RedirectCapture } from "./redirect-capture.js";
import type { LoginSelectors } from "./selectors.js";
import { freshTotpCode } from "./totp.js";
import type { LoginContext, LoginInput, LoginResult } from "./types.js";
import { firstOf } from "./wait.js";

/** How long after typing the code to watch for the page submitting it by itself. */
const AUTO_SUBMIT_GRACE_MS = 400;

interface ApiReply {
  kind: "api";
  status: number;
  body:
    | { status?: string; message?: string; error_type?: string; data?: { twofa_type?: string } }
    | undefined;
}

const pathOf = (url: string): string => new URL(url).pathname;

async function readReply(response: Response): Promise<ApiReply> {
  let body: ApiReply["body"];
  try {
    body = (await response.json()) as ApiReply["body"];
  } catch {
    body = undefined;
  }
  return { kind: "api", status: response.status(), body };
}

const succeeded = (reply: ApiReply): boolean =>
  reply.status < 400 && (reply.body?.status === undefined || reply.body.status === "success");

/** The page steps of one login: open, credentials, second factor, consent, redirect. */
export class BrowserLoginFlow {
  #twofaRequests = 0;

  constructor(
    private readonly page: Page,
    private readonly capture: RedirectCapture,
    private readonly selectors: LoginSelectors,
    private readonly input: LoginInput,
    private readonly context: LoginContext,
  ) {
    page.on("request", (request) => {
      if (request.method() === "POST" && this.selectors.twofaApiPath.test(pathOf(request.url()))) {
        this.#twofaRequests += 1;
      }
    });
  }

  async run(): Promise<LoginResult> {
    await this.#open();
    const loginReply = await this.#submitPassword();
    const totpSubmissions = await this.#secondFactor(loginReply);
    const url = new URL(await this.capture.url.promise);
    const token = url.searchParams.get("request_token");
    if (!token) {
      const status = url.searchParams.get("status") ?? "unknown";
      throw new KiteTokenError(
        "REDIRECT_TIMEOUT",
        `Kite redirected to the app without a request token (status=${status}).`,
      );
    }
    return { requestToken: token, totpSubmissions };
  }

  #progress(event: string): void {
    this.context.onProgress?.(event);
  }

  #apiReply(path: RegExp, timeout: number): Promise<ApiReply> {
    return this.page
      .waitForResponse((r) => r.request().method() === "POST" && path.test(pathOf(r.url())), {
        timeout,
      })
      .then(readReply);
  }

  async #visible(
    locator: Locator,
    what: string,
    timeout = this.context.timeouts.stepMs,
  ): Promise<Locator> {
    try {
      await locator.waitFor({ state: "visible", timeout });
      return locator;
    } catch (error) {
      this.#throwIfAborted();
      throw new KiteTokenError(
        "LOGIN_PAGE_CHANGED",
        `The login page never showed ${what} within ${Math.round(timeout / 1000)} s.`,
        { cause: error },
      );
    }
  }

  #throwIfAborted(): void {
    if (this.context.signal?.aborted) {
      throw new KiteTokenError("ABORTED", "The login was stopped.", {
        cause: this.context.signal.reason,
      });
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
    const { selectors: sel, page } = this;
    const stepMs = this.context.timeouts.stepMs;
    const user = await this.#visible(page.locator(sel.userId).first(), "the user id field");
    const password = await this.#visible(page.locator(sel.password).first(), "the password field");
    await user.fill(this.input.userId);
    await password.fill(this.input.password);
    const reply = this.#apiReply(sel.loginApiPath, stepMs);
    await page.locator(sel.submit).first().click({ timeout: stepMs });
    this.#progress("credentials submitted");

    const outcome = await firstOf<ApiReply | { kind: "twofa" } | { kind: "error"; text: string }>(
      [
        reply,
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
    const input = await this.#visible(
      page.locator(sel.twofaInput).first(),
      "the second-factor (TOTP) box",
    );
    const formText = await page
      .locator(sel.twofaForm)
      .first()
      .innerText({ timeout: 1000 })
      .catch(() => "");
    const appCode =
      loginReply?.body?.data?.twofa_type === "app_code" ||
      (/app\s*code/i.test(formText) && !/totp/i.test(formText));
    if (appCode) {
      throw new KiteTokenError(
        "APP_CODE_REQUIRED",
        "Kite asks this account for an app code instead of an external TOTP; nothing was submitted.",
      );
    }
    let submissions = 0;
    let lastWindow: number | undefined;
    for (;;) {
      await context.beforeSecondFactor?.();
      const { code, window } = await freshTotpCode(this.input.totpSecret, context.clock, {
        ...(lastWindow === undefined ? {} : { afterWindowOf: lastWindow }),
        ...(context.signal ? { signal: context.signal } : {}),
      });
      lastWindow = window;
      const outcome = await this.#submitCode(input, code);
      submissions += 1;
      if (outcome === "redirect") return submissions;
      if (outcome === undefined) throw await this.#redirectTimeout();
      if (succeeded(outcome)) {
        await this.#finishAfterTwofa();
        return submissions;
      }
      const rejection = classifyLoginRejection(
        "twofa",
        outcome.body?.message,
        outcome.status,
        outcome.body?.error_type,
      );
      if (rejection.code !== "TOTP_REJECTED" || submissions >= context.maxTotpSubmissions)
        throw rejection;
      this.#progress("TOTP rejected; retrying once with the next code");
    }
  }

  async #submitCode(input: Locator, code: string): Promise<ApiReply | "redirect" | undefined> {
    const { selectors: sel, page } = this;
    const redirectMs = this.context.timeouts.redirectMs;
    const before = this.#twofaRequests;
    const reply = this.#apiReply(sel.twofaApiPath, redirectMs);
    await input.fill(code);
    // Kite may submit by itself once six digits are in; click only when it did not.
    const deadline = Date.now() + AUTO_SUBMIT_GRACE_MS;
    while (this.#twofaRequests === before && !this.capture.url.settled && Date.now() < deadline) {
      await page.waitForTimeout(25);
    }
    if (this.#twofaRequests === before && !this.capture.url.settled) {
      await page
        .locator(sel.twofaSubmit)
        .first()
        .click({ timeout: 2000, noWaitAfter: true })
        .catch(() => undefined);
    }
    this.#progress("TOTP submitted");
    return firstOf<ApiReply | "redirect">(
      [reply, this.capture.url.promise.then(() => "redirect" as const)],
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
