import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import type { SecretRedactor } from "./redact.js";
import { formatIstMs } from "./time.js";

export type { Logger } from "pino";

/** Field names whose values are never logged, wherever they appear. */
const REDACT_PATHS = [
  "password",
  "apiSecret",
  "api_secret",
  "totpSecret",
  "accessToken",
  "access_token",
  "requestToken",
  "request_token",
  "enctoken",
  "public_token",
  "*.password",
  "*.apiSecret",
  "*.api_secret",
  "*.totpSecret",
  "*.accessToken",
  "*.access_token",
  "*.requestToken",
  "*.request_token",
  "*.enctoken",
];

export interface LoggerOptions {
  level?: string;
  /** Human-readable output (default: when stderr is a terminal). */
  pretty?: boolean;
  /**
   * Each entry as one plain sentence (`kite-token: error: alert not delivered (…)`): for
   * the CLI, whose human output a log line joins only when something went wrong.
   */
  lines?: boolean;
  redactor: SecretRedactor;
  destination?: NodeJS.WritableStream;
}

const LEVEL_WORDS: Array<[number, string]> = [
  [50, "error"],
  [40, "warning"],
  [0, "note"],
];

/** What every entry carries: said by the line itself, or not worth saying there. */
const OWN_FIELDS: ReadonlySet<string> = new Set([
  "level",
  "msg",
  "time",
  "name",
  "pid",
  "hostname",
]);

/** A field's value in a sentence: an error by its message, anything else as text. */
function fieldText(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  const message = (value as { message?: unknown }).message;
  return typeof message === "string" ? message : JSON.stringify(value);
}

/** One JSON log entry as a line a person reads among the CLI's output. */
export function logLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, msg } = entry;
  const word = LEVEL_WORDS.find(([min]) => Number(level) >= min)?.[1] ?? "note";
  const details = Object.entries(entry)
    .filter(([key]) => !OWN_FIELDS.has(key))
    .map(([key, value]) => `${key}: ${fieldText(value)}`);
  return `kite-token: ${word}: ${String(msg ?? "")}${details.length > 0 ? ` (${details.join("; ")})` : ""}\n`;
}

export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? process.stderr;
  const scrubbed = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = chunk.toString();
      const lines = options.lines
        ? text
            .split("\n")
            .filter((line) => line.trim() !== "")
            .map(logLine)
            .join("")
        : text;
      target.write(options.redactor.scrub(lines));
      callback();
    },
  });
  const usePretty = !options.lines && (options.pretty ?? Boolean(process.stderr.isTTY));
  // pino-pretty only for a person at a terminal: a service's JSON logs never load it.
  const stream = usePretty
    ? (createRequire(import.meta.url)("pino-pretty") as typeof import("pino-pretty"))({
        destination: scrubbed,
        colorize: Boolean(process.stderr.isTTY),
        sync: true,
        // The time as written (IST), not translated to the machine's zone.
        translateTime: false,
        customPrettifiers: { time: (time) => `[${String(time).slice(11, 23)} IST]` },
      })
    : scrubbed;
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { name: "kite-token" },
      // ISO 8601 in IST with its offset, like every other time kite-token writes.
      timestamp: () => `,"time":"${formatIstMs(new Date())}"`,
    },
    stream,
  );
}
