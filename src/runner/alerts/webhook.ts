import type { AlertSettings } from "../../config/alerts.js";
import { KiteTokenError } from "../../core/errors.js";
import { channelRequest, truncate } from "./http.js";
import type { AlertChannel, AlertMessage } from "./types.js";

type WebhookSettings = NonNullable<AlertSettings["webhook"]>;

/** Discord's limit on `content`; Slack accepts more. */
const MAX_TEXT = 2000;

/**
 * A JSON POST to ALERT_WEBHOOK_URL. The body carries the message as both `text` (Slack,
 * Mattermost, Google Chat…) and `content` (Discord), so one setting works with all.
 */
export class WebhookChannel implements AlertChannel {
  readonly name = "webhook" as const;
  readonly target: string;
  readonly #settings: WebhookSettings;

  constructor(settings: WebhookSettings) {
    this.#settings = settings;
    // The path of a Slack or Discord webhook is its secret: only the host is shown.
    this.target = `POST to ${new URL(settings.url).host}`;
  }

  async send(message: AlertMessage): Promise<string> {
    const text = truncate(`*${message.subject}*\n${message.text}`, MAX_TEXT);
    const reply = await channelRequest("The webhook", this.#settings.url, {
      method: "POST",
      json: { text, content: text },
    });
    if (reply.status < 200 || reply.status >= 300) {
      throw new KiteTokenError(
        "ALERT_FAILED",
        `The webhook answered HTTP ${reply.status}${reply.body ? `: ${reply.body.slice(0, 200)}` : ""}.`,
        { status: reply.status },
      );
    }
    return `HTTP ${reply.status} from ${new URL(this.#settings.url).host}`;
  }

  verify(): Promise<string> {
    // Slack and Discord offer no way to check a webhook without posting to it.
    return Promise.resolve(`${this.target} configured (not contacted: that would post)`);
  }

  close(): void {}
}
