import path from "node:path";
import { z } from "zod";
/** The alert channels there are (ALERT_CHANNELS). */
export const ALERT_CHANNEL_NAMES = ["email", "telegram", "webhook"] as const;
export type AlertChannelName = (typeof ALERT_CHANNEL_NAMES)[number];

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
}

const text = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === "" ? undefined : s));

const ADDRESS = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+)$/;

const addressList = text.transform((value, ctx) => {
  if (value === undefined) return undefined;
  const list = value
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((a) => !ADDRESS.test(a));
  if (list.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `must be one or more e-mail addresses separated by commas${bad.length ? ` (not an address: ${bad.join(", ")})` : ""}`,
    });
    return z.NEVER;
  }
  return list;
});

function urlWithProtocols(protocols: string[], message: string) {
  return text.refine((value) => {
    if (value === undefined) return true;
    try {
      const url = new URL(value);
      return protocols.includes(url.protocol) && url.hostname !== "";
    } catch {
      return false;
    }
  }, message);
}

/** The alert variables: merged into the configuration schema. */
export const AlertRawShape = {
  ALERT_CHANNELS: text.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const names = value
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    if (names.length === 1 && names[0] === "none") return [];
    const unknown = names.filter((n) => !(ALERT_CHANNEL_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `must list channels among ${ALERT_CHANNEL_NAMES.join(", ")} (or be none); unknown: ${unknown.join(", ")}`,
      });
      return z.NEVER;
    }
    return [...new Set(names)] as AlertChannelName[];
  }),
  SMTP_URL: urlWithProtocols(
    ["smtp:", "smtps:"],
    "must be smtp://user:pass@host:port or smtps://user:pass@host:port",
  ),
  ALERT_EMAIL_TO: addressList,
  ALERT_EMAIL_FROM: text.refine(
    (v) => v === undefined || ADDRESS.test(v),
    "must be an e-mail address, e.g. kite-token <you@example.com>",
  ),
  TELEGRAM_BOT_TOKEN: text.refine(
    (v) => v === undefined || /^\d+:[\w-]+$/.test(v),
    "must look like 123456789:AA… (the token @BotFather gave you)",
  ),
  TELEGRAM_CHAT_ID: text.refine(
    (v) => v === undefined || /^(-?\d+|@\w+)$/.test(v),
    "must be a numeric chat id (e.g. 123456789 or -100…) or @channelname",
  ),
  TELEGRAM_API_URL: urlWithProtocols(["http:", "https:"], "must be an http(s) URL").transform((s) =>
    (s ?? "https://api.telegram.org").replace(/\/+$/, ""),
  ),
  ALERT_WEBHOOK_URL: urlWithProtocols(["http:", "https:"], "must be an http(s) URL"),
  ALERT_ON_SUCCESS: text.pipe(
    z.enum(["true", "false"], { message: "must be true or false" }).optional(),
  ),
  ALERT_DEADLINE: text.transform((value, ctx) => {
    if (value === undefined || value.toLowerCase() === "off") return undefined;
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
    if (!m) {
      ctx.addIssue({ code: "custom", message: "must be HH:MM (IST, 24-hour clock) or off" });
      return z.NEVER;
    }
    return { hour: Number(m[1]), minute: Number(m[2]) };
  }),
  ALERT_STATE_FILE: text,
};

type AlertRaw = z.infer<z.ZodObject<typeof AlertRawShape>>;

/** The variables each channel needs, and the one whose presence turns it on by itself. */
const CHANNEL_VARIABLES: Record<AlertChannelName, { main: string; needs: string[] }> = {
  email: { main: "SMTP_URL", needs: ["SMTP_URL", "ALERT_EMAIL_TO"] },
  telegram: { main: "TELEGRAM_BOT_TOKEN", needs: ["TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"] },
  webhook: { main: "ALERT_WEBHOOK_URL", needs: ["ALERT_WEBHOOK_URL"] },
};

/** The channels chosen: ALERT_CHANNELS, or every channel whose main variable is set. */
function chosenChannels(env: Record<string, string | undefined>): AlertChannelName[] {
  const listed = env["ALERT_CHANNELS"]?.trim();
  if (listed) {
    if (listed.toLowerCase() === "none") return [];
    return ALERT_CHANNEL_NAMES.filter((n) =>
      listed
        .toLowerCase()
        .split(/[\s,]+/)
        .includes(n),
    );
  }
  return ALERT_CHANNEL_NAMES.filter((n) => env[CHANNEL_VARIABLES[n].main]?.trim());
}

/** Problems across variables: a chosen channel missing one of its settings. */
export function alertProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const channel of chosenChannels(env)) {
    for (const name of CHANNEL_VARIABLES[channel].needs) {
      if (!env[name]?.trim()) {
        problems.push(
          `${name} is required for ${channel} alerts (see the Alerts section of the README)`,
        );
      }
    }
  }
  if (chosenChannels(env).includes("email") && !env["ALERT_EMAIL_FROM"]?.trim()) {
    if (!smtpUserAddress(env["SMTP_URL"])) {
      problems.push(
        "ALERT_EMAIL_FROM is required for email alerts when the SMTP user is not an e-mail address",
      );
    }
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
    raw.ALERT_CHANNELS ??
    ALERT_CHANNEL_NAMES.filter(
      (n) =>
        (n === "email" && raw.SMTP_URL) ||
        (n === "telegram" && raw.TELEGRAM_BOT_TOKEN) ||
        (n === "webhook" && raw.ALERT_WEBHOOK_URL),
    );
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
  };
}

/** The secret values inside the alert settings, for the redactor. */
export function alertSecrets(settings: AlertSettings): string[] {
  const out: string[] = [];
  if (settings.email) {
    out.push(settings.email.smtpUrl);
    try {
      const url = new URL(settings.email.smtpUrl);
      out.push(url.password, decodeURIComponent(url.password));
    } catch {
      // validated at load; nothing to add
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
