/**
 * What the browser login looks for on Kite's pages. The second-factor box has drifted
 * the most (#totp, #pin, a numeric input, even a reused #userid), so it is found as
 * the visible input of the 2FA form rather than by id.
 */
export interface LoginSelectors {
  userId: string;
  password: string;
  submit: string;
  twofaForm: string;
  twofaInput: string;
  twofaSubmit: string;
  authorizeButton: string;
  error: string;
  /** Requests whose JSON replies tell what happened at each step. */
  loginApiPath: RegExp;
  twofaApiPath: RegExp;
  /** The same second-factor request as a DevTools URL pattern (`*` wildcards). */
  twofaUrlPattern: string;
}

export const DEFAULT_SELECTORS: LoginSelectors = {
  userId: "input#userid:visible, input[placeholder='Phone or User ID']:visible",
  password: "input#password:visible, input[type=password]:visible",
  submit: "button[type=submit]:visible",
  twofaForm: "form.twofa-form",
  twofaInput: [
    "form.twofa-form input:not([type=hidden]):not([type=submit]):not([type=checkbox]):visible",
    "input#totp:visible",
    "input#pin:visible",
    "input[type=number][maxlength='6']:visible",
  ].join(", "),
  twofaSubmit: "form.twofa-form button[type=submit]:visible",
  authorizeButton: "button.button-orange:visible, button[type=submit]:visible",
  error: ".error:visible, .su-message.error:visible, [role=alert]:visible",
  loginApiPath: /\/api\/login(?:\?|$)/,
  twofaApiPath: /\/api\/twofa(?:\?|$)/,
  twofaUrlPattern: "*/api/twofa*",
};
