/** Public types of the Kite simulator. */

export interface SimAccount {
  userId: string;
  password: string;
  /** Base32 key behind the account's authenticator app. */
  totpSecret: string;
  userName: string;
  userShortname: string;
  email: string;
}

export interface SimApp {
  apiKey: string;
  apiSecret: string;
  redirectUrl: string;
}

/**
 * How the second-factor box looks:
 * - "totp": `<input type="text" id="totp">`
 * - "pin": `<input type="password" id="pin">`
 * - "number": `<input type="number" placeholder="••••••" maxlength="6">` with no id
 * - "userid": `<input type="number" id="userid">`, the same id as the (hidden) login field
 */
export type TwofaVariant = "totp" | "pin" | "number" | "userid";

/** When the page's automatic 2FA submission fires (with `autoSubmit`). */
export type AutoSubmitOn = "input" | "change" | "delay";

export interface SimFailure {
  status: number;
  errorType?: string;
  message?: string;
  /** Answer with a text/html body (like a gateway error page) instead of the JSON envelope. */
  html?: boolean;
}

export interface Scenario {
  twofaVariant: TwofaVariant;
  /** The page submits the 2FA form by itself once 6 digits are typed. */
  autoSubmit: boolean;
  /**
   * What triggers the automatic submission (only with `autoSubmit`), always only while the
   * box holds 6 digits: "input" the moment they are typed (the `input` event); "change"
   * on the box's `change` event (when it loses focus); "delay" `autoSubmitDelayMs` after
   * they are typed (a timer restarted by each `input` event).
   */
  autoSubmitOn: AutoSubmitOn;
  /** With autoSubmitOn "delay": how long after the 6th digit the page submits. */
  autoSubmitDelayMs: number;
  /**
   * The page's guard on 2FA submissions: it ignores a submit while one is in flight,
   * after success, when the value is the code just refused, and when the value is not
   * 6 digits. When false, every submit posts whatever the box holds, empty included.
   */
  guardSubmit: boolean;
  /** After a refused 2FA reply, the page empties the box. */
  clearAfterReject: boolean;
  /**
   * After a refused 2FA reply, the page removes the whole 2FA form and inserts a new one
   * (new input, new button, new handlers) showing the error in its `.error`.
   */
  rebuildAfterReject: boolean;
  /** The 2FA button is `disabled` while a post is in flight, enabled again on a refusal. */
  disableWhileBusy: boolean;
  /**
   * The 2FA button's own click handler posts the box's value too (unguarded), besides
   * the form's submit handler: one click, two posts.
   */
  doublePost: boolean;
  /** The 2FA form appears this long after the successful /api/login reply (or page load). */
  twofaRenderDelayMs: number;
  /** POST /api/twofa is answered this long after it arrives (it is counted on arrival). */
  twofaReplyDelayMs: number;
  /**
   * After a successful /api/login the page loads a new page, GET /connect/twofa, that
   * renders the 2FA form (no login form there), instead of re-rendering in place.
   */
  fullPageTwofa: boolean;
  /** The app is not yet authorized by the user: the consent page is shown once. */
  firstUse: boolean;
  /** The account has no external TOTP: twofa_type "app_code", label "App Code". */
  appCode: boolean;
  /** The account is blocked: /api/login (and /api/twofa) refuse. */
  blocked: boolean;
  /** Every TOTP is answered "Invalid TOTP", even a correct one. */
  rejectTotp: boolean;
  /** The login inputs get other ids/names (#login-id, #login-pass). */
  renamedFields: boolean;
  /**
   * The user id input changes beyond what the default selectors know (id, name, class
   * and placeholder): the "Kite changed its login page" case a SELECTORS_FILE answers.
   */
  pageChanged: boolean;
  /** /connect/finish never redirects (200 with a blank page). */
  noRedirect: boolean;
  /** The SPA renders its form this long after `load`. */
  renderDelayMs: number;
  requestTokenTtlMs: number;
  /** Each POST /session/token pops the first entry and answers it instead. */
  exchangeFailures: SimFailure[];
  /** Each GET /user/profile pops the first entry and answers it instead. */
  profileFailures: SimFailure[];
  /** Each POST /api/login pops the first entry and answers it instead. */
  loginFailures: SimFailure[];
}

export type LoginActivity = "password-accepted" | "request-token-issued";

export interface SimCounters {
  loginPageLoads: number;
  loginAttempts: number;
  loginRejected: number;
  twofaAttempts: number;
  /** POSTs to /api/twofa whose twofa_value is missing, empty or blank (also in twofaAttempts). */
  twofaEmpty: number;
  /**
   * POSTs to /api/twofa whose (non-empty) value already came in an earlier one since the
   * last resetCounters (also in twofaAttempts).
   */
  twofaRepeated: number;
  twofaRejected: number;
  authorizeShown: number;
  authorizeAccepted: number;
  redirectsIssued: number;
  exchangeCalls: number;
  exchangeSucceeded: number;
  profileCalls: number;
  logoutCalls: number;
}

export interface SimulatorOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (a random free port). */
  loginPort?: number;
  /** Default 0 (a random free port). */
  apiPort?: number;
  account?: Partial<SimAccount>;
  /** redirectUrl defaults to http://127.0.0.1:<a port nothing listens on>/kite/callback. */
  app?: Partial<SimApp>;
  scenario?: Partial<Scenario>;
  /** Millisecond clock for TOTP checks, token validity and login_time. Default Date.now. */
  now?: () => number;
  /**
   * Told when a password is accepted and when a request token is issued: a login is in
   * flight between the two (tests count simultaneous logins across simulators).
   */
  onLoginActivity?: (event: LoginActivity) => void;
  /** Serve the /__sim/* control endpoints on the login origin. Default true. */
  controlEndpoints?: boolean;
}

export interface Simulator {
  readonly loginOrigin: string;
  readonly apiRoot: string;
  /** `${loginOrigin}/connect/login` */
  readonly loginUrl: string;
  readonly account: SimAccount;
  readonly app: SimApp;
  /** A snapshot of the current scenario. */
  readonly scenario: Scenario;
  /** A snapshot of the counters. */
  readonly counters: SimCounters;
  setScenario(patch: Partial<Scenario>): void;
  resetCounters(): void;
  /**
   * Holds every password POST (counted on arrival) until `release()`: a login that stays
   * in progress, for as long as a test or a demo needs.
   */
  holdLogins(): { release(): void };
  /** Every access token issued so far becomes invalid (403 TokenException). */
  expireAccessTokens(): void;
  isAccessTokenValid(token: string): boolean;
  /** Closes both servers, destroying open (keep-alive) sockets. */
  close(): Promise<void>;
}
