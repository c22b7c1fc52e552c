import { access } from "node:fs/promises";
import nodemailer from "nodemailer";
import type { AlertSettings } from "../config/alerts.js";
import { KiteTokenError } from "../errors.js";
import type { AlertChannel, AlertMessage } from "./types.js";

type EmailSettings = NonNullable<AlertSettings["email"]>;

const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

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
    this.#transport = nodemailer.createTransport({ url: settings.smtpUrl, ...TIMEOUTS });
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
