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
  redactor: SecretRedactor;
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? process.stderr;
  const scrubbed = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(options.redactor.scrub(chunk.toString()));
      callback();
    },
  });
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
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
