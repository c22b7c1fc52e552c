import path from "node:path";
import { ALERT_CHANNEL_NAMES, type AlertChannelName, type RawConfig } from "./settings.js";
import { ADDRESS, namesIn } from "./values.js";

export { ALERT_CHANNEL_NAMES, type AlertChannelName } from "./settings.js";

/** The alert settings, as read from ALERT_*, SMTP_URL and TELEGRAM_* variables. */
export interface AlertSettings {
  /** The channels to send to; empty means no alerts. */
  channels: AlertChannelName[];
  email: { smtpUrl: string; to: string[]; from: string } | undefined;
  telegram: { botToken: string; chatId: string; apiUrl: string } | undefined;
  webhook: { url: string } | undefined;
  onSuccess: boolean;
  /** IST wall-clock time of the deadline watchdog, or undefined when off. */
  deadline: { hour: number; minute: number } | undefined;
  /** Where the alert episode state is kept. */
  stateFile: string;
  /** How often the worker tries again to deliver a pending alert (ALERT_RETRY_INTERVAL_MS). */
  retryIntervalMs: number;
}

type AlertRaw = Pick<
  RawConfig,
  | "ALERT_CHANNELS"
  | "SMTP_URL"
  | "ALERT_EMAIL_TO"
  | "ALERT_EMAIL_FROM"
  | "TELEGRAM_BOT_TOKEN"
  | "TELEGRAM_CHAT_ID"
  | "TELEGRAM_API_URL"
  | "ALERT_WEBHOOK_URL"
  | "ALERT_ON_SUCCESS"
  | "ALERT_DEADLINE"
  | "ALERT_STATE_FILE"
  | "ALERT_RETRY_INTERVAL_MS"
>;

/** The variables each channel needs, and the one whose presence turns it on by itself. */
const CHANNEL_VARIABLES: Record<AlertChannelName, { main: keyof AlertRaw; needs: string[] }> = {
  email: { main: "SMTP_URL", needs: ["SMTP_URL", "ALERT_EMAIL_TO"] },
  telegram: { main: "TELEGRAM_BOT_TOKEN", needs: ["TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"] },
  webhook: { main: "ALERT_WEBHOOK_URL", needs: ["ALERT_WEBHOOK_URL"] },
};

/** The channels chosen: ALERT_CHANNELS, or every channel whose main variable is set. */
function chosenChannels(env: Record<string, string | undefined>): AlertChannelName[] {
  const listed = env["ALERT_CHANNELS"]?.trim();
  if (listed) {
    if (listed.toLowerCase() === "none") return [];
    return ALERT_CHANNEL_NAMES.filter((n) => namesIn(listed).includes(n));
  }
  return ALERT_CHANNEL_NAMES.filter((n) => env[CHANNEL_VARIABLES[n].main]?.trim());
}

/** Problems across variables: a chosen channel missing one of its settings. */
export function alertProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const channels = chosenChannels(env);
  for (const channel of channels) {
    for (const name of CHANNEL_VARIABLES[channel].needs) {
      if (!env[name]?.trim())
        problems.push(`${name} is required for ${channel} alerts (see docs/alerts.md)`);
    }
  }
  const from = env["ALERT_EMAIL_FROM"]?.trim() || smtpUserAddress(env["SMTP_URL"]);
  if (channels.includes("email") && !from) {
    problems.push(
      "ALERT_EMAIL_FROM is required for email alerts when SMTP_URL's user is not an e-mail address (or it has none): the address the alerts come from",
    );
  }
  return problems;
}

/** The SMTP user of the URL when it is an e-mail address (Gmail and most providers). */
function smtpUserAddress(smtpUrl: string | undefined): string | undefined {
  if (!smtpUrl) return undefined;
  try {
    const user = decodeURIComponent(new URL(smtpUrl.trim()).username);
    return ADDRESS.test(user) ? user : undefined;
  } catch {
    return undefined;
  }
}

export function toAlertSettings(raw: AlertRaw, tokenFile: string): AlertSettings {
  const channels =
    raw.ALERT_CHANNELS ?? ALERT_CHANNEL_NAMES.filter((n) => raw[CHANNEL_VARIABLES[n].main]);
  const from = raw.ALERT_EMAIL_FROM ?? smtpUserAddress(raw.SMTP_URL);
  return {
    channels,
    email:
      raw.SMTP_URL && raw.ALERT_EMAIL_TO && from
        ? { smtpUrl: raw.SMTP_URL, to: raw.ALERT_EMAIL_TO, from }
        : undefined,
    telegram:
      raw.TELEGRAM_BOT_TOKEN && raw.TELEGRAM_CHAT_ID
        ? {
            botToken: raw.TELEGRAM_BOT_TOKEN,
            chatId: raw.TELEGRAM_CHAT_ID,
            apiUrl: raw.TELEGRAM_API_URL,
          }
        : undefined,
    webhook: raw.ALERT_WEBHOOK_URL ? { url: raw.ALERT_WEBHOOK_URL } : undefined,
    onSuccess: raw.ALERT_ON_SUCCESS === "true",
    deadline: raw.ALERT_DEADLINE,
    stateFile: raw.ALERT_STATE_FILE ?? path.join(path.dirname(tokenFile), "alerts.json"),
    retryIntervalMs: raw.ALERT_RETRY_INTERVAL_MS,
  };
}

/** The secret values inside the alert settings, for the redactor. */
export function alertSecrets(settings: AlertSettings): string[] {
  const out: string[] = [];
  if (settings.email) {
    try {
      // A URL without a password (a relay on the local network) holds no secret: its host
      // stays readable in the channel's target.
      const url = new URL(settings.email.smtpUrl);
      if (url.password)
        out.push(settings.email.smtpUrl, url.password, decodeURIComponent(url.password));
    } catch {
      out.push(settings.email.smtpUrl); // validated at load; kept out of output all the same
    }
  }
  if (settings.telegram) out.push(settings.telegram.botToken);
  if (settings.webhook) {
    out.push(settings.webhook.url);
    const secretPath = new URL(settings.webhook.url).pathname;
    if (secretPath.length > 1) out.push(secretPath);
  }
  return out.filter((s) => s.length > 0);
}
