import type { AlertSettings } from "../../config/alerts.js";
import { KiteTokenError } from "../../core/errors.js";
import type { AlertChannel, AlertChannelName } from "./types.js";

type ChannelFactory = (settings: AlertSettings) => Promise<AlertChannel>;

function missing(name: AlertChannelName): never {
  throw new KiteTokenError("CONFIG_INVALID", `The ${name} alert channel is not fully configured.`);
}

/** One factory per channel; each loads its module only when the channel is used. */
export const CHANNEL_FACTORIES: Record<AlertChannelName, ChannelFactory> = {
  email: async (s) => {
    const { EmailChannel } = await import("./email.js");
    return new EmailChannel(s.email ?? missing("email"));
  },
  telegram: async (s) => {
    const { TelegramChannel } = await import("./telegram.js");
    return new TelegramChannel(s.telegram ?? missing("telegram"));
  },
  webhook: async (s) => {
    const { WebhookChannel } = await import("./webhook.js");
    return new WebhookChannel(s.webhook ?? missing("webhook"));
  },
};

/** The channels ALERT_CHANNELS chose, built in that order. */
export function createChannels(settings: AlertSettings): Promise<AlertChannel[]> {
  return Promise.all(settings.channels.map((name) => CHANNEL_FACTORIES[name](settings)));
}
