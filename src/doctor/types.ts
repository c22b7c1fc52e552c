/** What `kite-token doctor` checks, in the order it prints them. */
export type CheckId =
  "config" | "totp" | "clock" | "api" | "chromium" | "login-page" | "alerts" | "stores";

export type CheckStatus = "pass" | "fail" | "skip";

/** One line of the report: what was checked, how it went, and the fix for a failure. */
export interface CheckResult {
  id: CheckId;
  /** A short name, e.g. `TOTP secret` or `store file:data/token.json`. */
  title: string;
  status: CheckStatus;
  /** What was seen (pass, fail) or why the check did not run (skip). Never a secret. */
  detail: string;
  /** For a failure: what to do about it. */
  fix?: string;
}

export const pass = (id: CheckId, title: string, detail: string): CheckResult => ({
  id,
  title,
  status: "pass",
  detail,
});

export const fail = (id: CheckId, title: string, detail: string, fix: string): CheckResult => ({
  id,
  title,
  status: "fail",
  detail,
  fix,
});

export const skip = (id: CheckId, title: string, why: string): CheckResult => ({
  id,
  title,
  status: "skip",
  detail: why,
});

/** The results of one check, its id and title given once. */
export function resultsOf(id: CheckId, title: string) {
  return {
    pass: (detail: string) => pass(id, title, detail),
    fail: (detail: string, fix: string) => fail(id, title, detail, fix),
    skip: (why: string) => skip(id, title, why),
  };
}

/** The message of an error, first line only. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? "";
}
