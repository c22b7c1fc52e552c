import { openAsBlob } from "node:fs";
import type { AlertSettings } from "../../config/alerts.js";
import { KiteTokenError } from "../../core/errors.js";
import { channelRequest, truncate } from "./http.js";
import type { AlertChannel, AlertMessage } from "./types.js";

type TelegramSettings = NonNullable<AlertSettings["telegram"]>;

/** Telegram's limit on a message's text. */
const MAX_TEXT = 4096;

/** A Telegram bot writing to one chat (TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID). */
export class TelegramChannel implements AlertChannel {
  readonly name = "telegram" as const;
  readonly target: string;
  readonly #settings: TelegramSettings;

  constructor(settings: TelegramSettings) {
    this.#settings = settings;
    this.target = `chat ${settings.chatId} via ${new URL(settings.apiUrl).host}`;
  }

  async send(message: AlertMessage): Promise<string> {
    const text = truncate(`${message.subject}\n\n${message.text}`, MAX_TEXT);
    const sent = await this.#call("sendMessage", {
      json: { chat_id: this.#settings.chatId, text, disable_web_page_preview: true },
    });
    for (const attachment of message.attachments) {
      const blob = await openAsBlob(attachment.path, { type: attachment.contentType }).catch(
        () => undefined,
      );
      if (!blob) continue;
      const form = new FormData();
      form.append("chat_id", this.#settings.chatId);
      form.append("caption", attachment.filename);
      form.append("photo", blob, attachment.filename);
      await this.#call("sendPhoto", { form });
    }
    const id = (sent as { message_id?: unknown } | undefined)?.message_id;
    return `sent to chat ${this.#settings.chatId}${id === undefined ? "" : ` (message ${String(id)})`}`;
  }

  async verify(): Promise<string> {
    const me = (await this.#call("getMe", {})) as { username?: string } | undefined;
    await this.#call("getChat", { json: { chat_id: this.#settings.chatId } });
    return `bot @${me?.username ?? "?"} can reach chat ${this.#settings.chatId} (nothing sent)`;
  }

  close(): void {}

  async #call(method: string, body: { json?: unknown; form?: FormData }): Promise<unknown> {
    const url = `${this.#settings.apiUrl}/bot${this.#settings.botToken}/${method}`;
    const reply = await channelRequest("Telegram", url, {
      method: body.json === undefined && body.form === undefined ? "GET" : "POST",
      ...body,
    });
    let parsed: { ok?: boolean; description?: string; result?: unknown } = {};
    try {
      parsed = JSON.parse(reply.body) as typeof parsed;
    } catch {
      // reported below as a reply without ok
    }
    if (reply.status !== 200 || parsed.ok !== true) {
      throw new KiteTokenError(
        "ALERT_FAILED",
        `Telegram refused ${method} (HTTP ${reply.status}${parsed.description ? `: ${parsed.description}` : ""}).${reply.status === 401 ? " Check TELEGRAM_BOT_TOKEN." : reply.status === 400 || reply.status === 403 ? " Check TELEGRAM_CHAT_ID and that you have sent the bot a message first." : ""}`,
        { status: reply.status },
      );
    }
    return parsed.result;
  }
}
