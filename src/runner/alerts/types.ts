/**
 * The alert port: one interface every channel implements, and the names of the channels.
 * Channels only deliver; what a message says is composed in message.ts, and when to send
 * is decided in episode.ts.
 */

// The channel names are settings (ALERT_CHANNELS): declared with the configuration.
import type { AlertChannelName } from "../../config/alerts.js";
export { ALERT_CHANNEL_NAMES, type AlertChannelName } from "../../config/alerts.js";

export type AlertKind = "failure" | "recovered" | "success" | "deadline" | "delivery" | "test";

export interface AlertAttachment {
  filename: string;
  path: string;
  contentType: string;
}

/** One message, ready for any channel: a subject, a plain-text and an HTML body. */
export interface AlertMessage {
  kind: AlertKind;
  subject: string;
  text: string;
  html: string;
  attachments: AlertAttachment[];
}

export interface AlertChannel {
  readonly name: AlertChannelName;
  /** Where it delivers, safe to print (no token, no password, no webhook secret). */
  readonly target: string;
  /** Delivers the message; resolves with a short detail, throws ALERT_FAILED. */
  send(message: AlertMessage): Promise<string>;
  /** Checks the settings and the connection without sending; resolves with a detail. */
  verify(): Promise<string>;
  /** Releases connections, if any. */
  close(): void;
}

/** The outcome of one channel for one message. */
export interface ChannelResult {
  channel: AlertChannelName;
  target: string;
  ok: boolean;
  attempts: number;
  detail: string;
}
