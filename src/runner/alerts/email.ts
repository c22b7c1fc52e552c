import { access } from "node:fs/promises";
import nodemailer from "nodemailer";
import type { AlertSettings } from "../../config/alerts.js";
import { KiteTokenError } from "../../core/errors.js";
import type { AlertChannel, AlertMessage } from "./types.js";

type EmailSettings = NonNullable<AlertSettings["email"]>;

/**
 * Every SMTP wait is bounded: a server that accepts the connection and never answers is
 * given up on within seconds, never holding a run or its process.
 */
export const SMTP_TIMEOUTS = {
  connectionTimeout: 5_000,
  greetingTimeout: 5_000,
  socketTimeout: 10_000,
  dnsTimeout: 5_000,
};

/**
 * The transport's options from SMTP_URL, as an object: nodemailer's URL form
 * (`createTransport(url)` or `{ url }`) drops the timeout options given beside it.
 */
export function smtpOptions(smtpUrl: string) {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    // What nodemailer's URL form takes from the query (`?tls.rejectUnauthorized=false`).
    ...queryOptions(url.searchParams),
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass } } : {}),
    ...SMTP_TIMEOUTS,
  };
}

/** `a.b=true&c=5` → `{ a: { b: true }, c: 5 }`, as nodemailer reads a connection URL's query. */
function queryOptions(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of params) {
    const value: unknown =
      raw === "true" ? true : raw === "false" ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
    const path = key.split(".");
    let at = out;
    for (const part of path.slice(0, -1)) {
      const next = at[part];
      at = (at[part] = typeof next === "object" && next !== null ? next : {}) as Record<
        string,
        unknown
      >;
    }
    at[path.at(-1) ?? key] = value;
  }
  return out;
}

/** E-mail through any SMTP server (SMTP_URL), with a text and an HTML part. */
export class EmailChannel implements AlertChannel {
  readonly name = "email" as const;
  readonly target: string;
  readonly #settings: EmailSettings;
  readonly #transport: nodemailer.Transporter;

  constructor(settings: EmailSettings) {
    this.#settings = settings;
    const url = new URL(settings.smtpUrl);
    this.target = `${settings.to.join(", ")} via ${url.protocol}//${url.host}`;
    this.#transport = nodemailer.createTransport(smtpOptions(settings.smtpUrl));
  }

  async send(message: AlertMessage): Promise<string> {
    const attachments = [];
    for (const a of message.attachments) {
      // A screenshot that is gone must not cost the trader the whole alert.
      if (
        await access(a.path).then(
          () => true,
          () => false,
        )
      )
        attachments.push(a);
    }
    try {
      const info = (await this.#transport.sendMail({
        from: this.#settings.from,
        to: this.#settings.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        attachments,
      })) as { accepted?: unknown[]; response?: string };
      return `accepted for ${(info.accepted ?? []).map(String).join(", ")}`;
    } catch (error) {
      throw smtpError(error, "sending the alert");
    }
  }

  async verify(): Promise<string> {
    try {
      await this.#transport.verify();
    } catch (error) {
      throw smtpError(error, "connecting");
    }
    return `SMTP connection and login to ${new URL(this.#settings.smtpUrl).host} verified (nothing sent)`;
  }

  close(): void {
    this.#transport.close();
  }
}

function smtpError(error: unknown, doing: string): KiteTokenError {
  const e = error as { code?: string; responseCode?: number; message?: string };
  const what = [e.code, e.responseCode].filter(Boolean).join(" ");
  return new KiteTokenError(
    "ALERT_FAILED",
    `The SMTP server failed while ${doing}${what ? ` (${what})` : ""}: ${e.message ?? String(error)}`,
    { cause: error },
  );
}
