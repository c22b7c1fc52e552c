import { hostname } from "node:os";
import path from "node:path";
import type { StepName } from "../../pipeline/refresh.js";
import type { TokenStatus } from "../../pipeline/status.js";
import { formatDuration, formatIstShort } from "../../core/time.js";
import { renderHtml, renderText, type Block } from "./render.js";
import type { FailureReport } from "./report.js";
import type { AlertKind, AlertMessage } from "./types.js";

const STEP_LABELS: Record<StepName, string> = {
  check: "check (reading the saved token)",
  lock: "lock (waiting for another refresh to finish)",
  login: "login (Kite's login: user id, password and TOTP)",
  exchange: "exchange (turning the request token into an access token)",
  verify: "verify (asking Kite's /user/profile about the new token)",
  save: "save (writing the token file)",
};

const hhmm = (at: Date): string => formatIstShort(at).slice(11, 16);

function message(
  kind: AlertKind,
  subject: string,
  blocks: Block[],
  attachments: AlertMessage["attachments"] = [],
): AlertMessage {
  return { kind, subject, text: renderText(blocks), html: renderHtml(blocks), attachments };
}

/** Who a message is about: the user id, or `acct-1 (ZX1001)` for an account of the accounts file. */
export function accountLabel(userId: string, account?: string): string {
  return account ? `${account} (${userId})` : userId;
}

/** The manual fallback, step by step; for an account of the accounts file, its own commands. */
export function manualFallback(loginUrl: string, account?: string): Block {
  const exchange = account
    ? `npx kite-token exchange --account ${account} '<callback URL>'`
    : "npx kite-token exchange '<callback URL>'";
  return {
    kind: "list",
    title: account
      ? `To get today's token for ${account} by hand (two minutes):`
      : "To get today's token by hand (two minutes):",
    items: [
      `Open this URL in a browser and log in${account ? ` as ${account}'s user` : ""}: ${loginUrl}`,
      "Kite then redirects to your app's redirect URL. Copy the whole address from the address bar (even if the page says it cannot connect).",
      `Run \`${exchange}\` in the kite-token folder, with the address you copied.`,
      account
        ? "Or, once the cause above is fixed, run `npx kite-token refresh` (accounts whose token is valid are left alone)."
        : "Or, once the cause above is fixed, run `npm run refresh`.",
    ],
  };
}

function nextAttemptText(report: FailureReport, now: Date): string {
  if (report.nextAttemptAt) {
    const ms = report.nextAttemptAt.getTime() - now.getTime();
    return `${hhmm(report.nextAttemptAt)} IST (in ${formatDuration(ms)})`;
  }
  if (report.manual) return "none automatic: this run was started by hand and is not retried";
  return report.error.retryable
    ? "none today: the retries are used up"
    : `none today: ${report.error.code} is not retried, so as not to lock the account or repeat a failure that cannot pass`;
}

export function failureMessage(report: FailureReport, now = new Date()): AlertMessage {
  const { error, account } = report;
  const who = accountLabel(report.userId, account);
  const at = report.at ?? now;
  const next = report.nextAttemptAt
    ? `next attempt ${hhmm(report.nextAttemptAt)} IST`
    : "no more attempts today";
  const rows: Array<[string, string]> = [
    ["Account", who],
    ["Failed step", report.step ? STEP_LABELS[report.step] : "unknown"],
    ["Error", `${error.code}: ${error.message}`],
  ];
  if (error.kiteMessage) rows.push(["Kite said", `"${error.kiteMessage}"`]);
  rows.push(["What to do", error.hint]);
  const { savedToken } = report;
  if (savedToken)
    rows.push([
      "Saved token",
      `still valid: saved ${formatIstShort(savedToken.savedAt)}, expires ${formatIstShort(savedToken.expiresAt)}`,
    ]);
  rows.push(
    ["Attempts today", String(report.attempts)],
    ["Next attempt", nextAttemptText(report, at)],
    ["When", formatIstShort(at)],
  );
  const blocks: Block[] = [
    {
      kind: "para",
      text: `kite-token could not refresh the Kite access token for ${who}.`,
    },
    ...(savedToken
      ? [
          {
            kind: "para" as const,
            text: `The token saved at ${formatIstShort(savedToken.savedAt)} has not expired: a bot that uses it keeps working until ${formatIstShort(savedToken.expiresAt)}, unless Kite ends the session earlier (a logout does).`,
          },
        ]
      : []),
    { kind: "fields", rows },
    manualFallback(report.loginUrl, account),
  ];
  const attachments = report.screenshotPath
    ? [
        {
          filename: path.basename(report.screenshotPath),
          path: report.screenshotPath,
          contentType: "image/png",
        },
      ]
    : [];
  if (attachments.length > 0) {
    blocks.push({
      kind: "para",
      text: "Attached: a screenshot of the login page when it failed.",
    });
  }
  blocks.push({
    kind: "para",
    text: "You get one alert for this failure, however many retries follow, and a short note when a refresh succeeds again.",
  });
  return message(
    "failure",
    `kite-token: ${who} token refresh FAILED (${error.code}), ${next}${savedToken ? "; the saved token is still valid" : ""}`,
    blocks,
    attachments,
  );
}

/** A token saved at `at`: what recovery and delivery messages start from. */
interface Refreshed {
  userId: string;
  account?: string | undefined;
  expiresAt: Date;
  at: Date;
}

const refreshedText = (who: string, info: Refreshed): string =>
  `The Kite access token for ${who} was refreshed at ${hhmm(info.at)} IST and is valid until ${formatIstShort(info.expiresAt)}`;

export interface RecoveryInfo extends Refreshed {
  failures: number;
  firstFailureAt: Date;
  codes: string[];
}

export function recoveredMessage(info: RecoveryInfo): AlertMessage {
  const plural = info.failures === 1 ? "" : "s";
  const who = accountLabel(info.userId, info.account);
  return message(
    "recovered",
    `kite-token: ${who} token refreshed, recovered after ${info.failures} failed attempt${plural}`,
    [
      {
        kind: "para",
        text: `Recovered: the Kite access token for ${who} is valid again as of ${hhmm(info.at)} IST, until ${formatIstShort(info.expiresAt)}. It followed ${info.failures} failed attempt${plural} since ${hhmm(info.firstFailureAt)} IST (${info.codes.join(", ")}). Nothing more to do.`,
      },
    ],
  );
}

export interface UndeliveredStore {
  name: string;
  attempts: number;
  error_code?: string | undefined;
}

const storeFailure = (s: UndeliveredStore): string =>
  `${s.error_code ?? "failed"} after ${s.attempts} attempts`;

const undeliveredText = (stores: UndeliveredStore[]): string =>
  `Not delivered to ${stores.map((s) => `${s.name} (${storeFailure(s)})`).join(", ")}: bots reading from there still have the old token.`;

/** A run saved the token but could not copy it everywhere (TOKEN_STORES secondaries). */
export function deliveryMessage(info: Refreshed & { stores: UndeliveredStore[] }): AlertMessage {
  const names = info.stores.map((s) => s.name).join(", ");
  const who = accountLabel(info.userId, info.account);
  return message("delivery", `kite-token: ${who} token saved, NOT delivered to ${names}`, [
    {
      kind: "para",
      text: `${refreshedText(who, info)}, but it could not be copied to every store in TOKEN_STORES.`,
    },
    {
      kind: "fields",
      rows: [
        ["Account", who],
        ...info.stores.map((s): [string, string] => [s.name, storeFailure(s)]),
        [
          "What to do",
          "Check that store (server up, credentials valid), then run `npx kite-token refresh --force`, or copy the token by hand with `npx kite-token token`.",
        ],
      ],
    },
    {
      kind: "para",
      text: "You get this once per store and day, however many runs fail to deliver to it.",
    },
  ]);
}

/** The token was saved, but POST_REFRESH_COMMAND failed: a delivery warning. */
export function postRefreshMessage(
  info: Refreshed & { warning: string; exitCode: number | null },
): AlertMessage {
  const who = accountLabel(info.userId, info.account);
  const how = info.exitCode === null ? "did not finish" : `exit code ${info.exitCode}`;
  return message(
    "delivery",
    `kite-token: ${who} token saved, post-refresh command FAILED (${how})`,
    [
      {
        kind: "para",
        text: `${refreshedText(who, info)}, but ${info.warning}.`,
      },
      {
        kind: "fields",
        rows: [
          ["Account", who],
          [
            "What to do",
            "Bots that wait for this command (a restart, a reload) may still use the old token: run the command by hand, and check it with the run's output in the log (`kite-token --verbose refresh --force` shows it).",
          ],
        ],
      },
    ],
  );
}

/** Adds the undelivered stores to a success or recovery message. */
export function withUndelivered(alert: AlertMessage, stores: UndeliveredStore[]): AlertMessage {
  if (stores.length === 0) return alert;
  const blocks: Block[] = [{ kind: "para", text: undeliveredText(stores) }];
  return {
    ...alert,
    subject: `${alert.subject} (NOT delivered to ${stores.map((s) => s.name).join(", ")})`,
    text: `${alert.text}\n\n${renderText(blocks)}`,
    html: `${alert.html}${renderHtml(blocks)}`,
  };
}

/** The one-line success notice (ALERT_ON_SUCCESS). */
export function successMessage(
  userId: string,
  expiresAt: Date,
  at: Date,
  account?: string,
): AlertMessage {
  const line = `kite-token: token for ${accountLabel(userId, account)} refreshed at ${hhmm(at)} IST, valid until ${formatIstShort(expiresAt)}.`;
  return message("success", line, [{ kind: "para", text: line }]);
}

export interface DeadlineInfo {
  userId: string;
  account?: string | undefined;
  deadline: Date;
  status: TokenStatus;
  loginUrl: string;
  lastFailure?: { code: string; hint: string } | undefined;
}

const STATE_TEXT: Record<TokenStatus["state"], string> = {
  missing: "no token is saved",
  expired: "the saved token has expired",
  rejected: "Kite rejects the saved token",
  unreadable: "the token file cannot be read",
  valid: "the saved token is valid",
  expiring: "the saved token is valid but expires within the hour",
};

export function deadlineMessage(info: DeadlineInfo): AlertMessage {
  const who = accountLabel(info.userId, info.account);
  const rows: Array<[string, string]> = [
    ["Account", who],
    ["Token", STATE_TEXT[info.status.state]],
  ];
  if (info.lastFailure) {
    rows.push(["Last failure", info.lastFailure.code], ["What to do", info.lastFailure.hint]);
  }
  return message(
    "deadline",
    `kite-token: ${who} has NO valid Kite token at ${hhmm(info.deadline)} IST`,
    [
      {
        kind: "para",
        text: `At ${hhmm(info.deadline)} IST there is still no valid Kite access token for ${who}, whatever the automatic retries are doing. The market opens at 09:15 IST.`,
      },
      { kind: "fields", rows },
      manualFallback(info.loginUrl, info.account),
    ],
  );
}

export function testMessage(channels: string[], now = new Date()): AlertMessage {
  return message("test", "kite-token: test alert", [
    {
      kind: "para",
      text: `This is a test alert from kite-token on ${hostname()} at ${formatIstShort(now)}. If you read it, alerts reach you here. Channels configured: ${channels.join(", ")}.`,
    },
  ]);
}
