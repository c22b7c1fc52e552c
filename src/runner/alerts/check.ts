import type { SecretRedactor } from "../../core/redact.js";
import type { AlertChannel, ChannelResult } from "./types.js";

/**
 * Checks every channel without sending anything: the SMTP connection and login, the
 * Telegram bot and chat, the webhook's address. For `test-alert --verify` and `doctor`.
 */
export async function verifyChannels(
  channels: AlertChannel[],
  redactor: SecretRedactor,
): Promise<ChannelResult[]> {
  return Promise.all(
    channels.map(async (channel): Promise<ChannelResult> => {
      const base = { channel: channel.name, target: channel.target, attempts: 1 };
      try {
        return { ...base, ok: true, detail: redactor.scrub(await channel.verify()) };
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return { ...base, ok: false, detail: redactor.scrub(detail) };
      }
    }),
  );
}
