import { validate as validCron } from "node-cron";
import { z } from "zod";
import { parseStoreList } from "./store-spec.js";
import { totpSecretProblem } from "./totp-key.js";

/** The kinds of value a setting can hold, each with its rule and its message. */

/** Trimmed text; empty means unset. */
export const text = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === "" ? undefined : s));

/** A password: kept as typed (spaces included); empty means unset. */
export const verbatim = z
  .string()
  .optional()
  .transform((s) => (s === "" ? undefined : s));

export const required = z.string().trim().min(1, "must not be empty");

/**
 * Optional text read by `parse`, which throws an Error saying what is wrong: its message is
 * the setting's problem.
 */
function parsedText<T>(parse: (value: string) => T) {
  return text.transform((value, ctx): T | undefined => {
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** The names in a list, comma- or space-separated, lower-cased. */
export function namesIn(value: string): string[] {
  return value
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
}

export const ADDRESS = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+)$/;

function parsesAs(value: string, protocols: string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

/** A required http(s) URL. */
export const httpUrl = z
  .string()
  .trim()
  .refine((value) => parsesAs(value, ["http:", "https:"]), "must be an http(s) URL");

/** An API's root: an http(s) URL, without its trailing slashes. */
export const apiRoot = httpUrl.transform((s) => s.replace(/\/+$/, ""));

/** An optional URL with one of these protocols. */
export function optionalUrl(protocols: string[], message: string) {
  return text.refine((value) => value === undefined || parsesAs(value, protocols), message);
}

/**
 * A whole number written in decimal digits, within [min, max]; anything else (empty, a
 * fraction, an exponent, words) is refused with one sentence saying what is allowed.
 */
function digits(allowed: string, min: number, max: number) {
  return z
    .string({ message: allowed })
    .trim()
    .regex(/^-?\d+$/, allowed)
    .transform(Number)
    .pipe(z.number().min(min, allowed).max(max, allowed));
}

export function wholeNumber(unit: string, min: number, max: number, range?: [string, string]) {
  return digits(
    `must be a whole number of ${unit} from ${range?.[0] ?? min} to ${range?.[1] ?? max}`,
    min,
    max,
  );
}

const SPOKEN: Record<number, string> = {
  1000: "1000 (one second)",
  600_000: "600000 (ten minutes)",
  1_800_000: "1800000 (thirty minutes)",
  3_600_000: "3600000 (one hour)",
};

export const milliseconds = (min = 1000, max = 600_000) =>
  wholeNumber("milliseconds", min, max, [SPOKEN[min] ?? String(min), SPOKEN[max] ?? String(max)]);

/** A TCP port: 1-65535, or 0 for any free port. */
export const port = digits("must be a port number from 0 to 65535 (0: any free port)", 0, 65535);

export const trueFalse = z.enum(["true", "false"], { message: "must be true or false" });
export const optionalTrueFalse = text.pipe(trueFalse.optional());

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { message: `must be one of ${values.join(", ")}` });
}

/** A TOTP key: base32, spaces ignored; the likely mistake named when it does not decode. */
export const totpKey = text.superRefine((value, ctx) => {
  if (value === undefined) return;
  const problem = totpSecretProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const cron = z
  .string()
  .trim()
  .refine(
    (value) => validCron(value),
    "is not a cron expression (minute hour day month weekday, optionally a leading seconds field)",
  );

/** Zones every ICU knows. */
const KNOWN_ZONES = new Set(["Asia/Kolkata", "UTC"]);

export const timeZone = z
  .string()
  .trim()
  .refine((zone) => {
    // The default needs no check: the first time zone Intl reads loads ICU's zone data,
    // about 30 ms of a short command's start (status and the worker pay it in node-cron).
    if (KNOWN_ZONES.has(zone)) return true;
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Asia/Kolkata");

export const hhmm = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM (24-hour, IST)");

/** HH:MM (IST) or `off`. */
export const deadline = parsedText((value) => {
  if (value.toLowerCase() === "off") return undefined;
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) throw new Error("must be HH:MM (IST, 24-hour clock) or off");
  return { hour: Number(m[1]), minute: Number(m[2]) };
});

/** Names from a list, comma- or space-separated; `none` is the empty list. */
export function nameList<const T extends readonly string[]>(names: T) {
  return parsedText((value): T[number][] => {
    const given = namesIn(value);
    if (given.length === 1 && given[0] === "none") return [];
    const unknown = given.filter((n) => !names.includes(n));
    if (unknown.length > 0)
      throw new Error(
        `must list channels among ${names.join(", ")} (or be none); unknown: ${unknown.join(", ")}`,
      );
    return [...new Set(given)] as T[number][];
  });
}

export const addressList = parsedText((value) => {
  const list = value
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((a) => !ADDRESS.test(a));
  if (list.length === 0 || bad.length > 0)
    throw new Error(
      `must be one or more e-mail addresses separated by commas${bad.length ? ` (not an address: ${bad.join(", ")})` : ""}`,
    );
  return list;
});

export const address = text.refine(
  (v) => v === undefined || ADDRESS.test(v),
  "must be an e-mail address, e.g. kite-token <you@example.com>",
);

export const storeList = parsedText(parseStoreList);

/** Host names, comma- or space-separated, lower-cased (a port, if given, is ignored). */
export const hostList = parsedText((value) => {
  const names = namesIn(value).map((n) => n.replace(/:\d+$/, ""));
  const bad = names.filter((n) => !/^(?:[a-z0-9-]+\.)*[a-z0-9-]+\.?$|^\[[0-9a-f:.]+\]$/.test(n));
  if (bad.length > 0)
    throw new Error(
      `must list host names such as kite.example.lan, comma-separated (not a host name: ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(", ")})`,
    );
  return names;
});
