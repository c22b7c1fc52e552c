import { validate as validCron } from "node-cron";
import { z } from "zod";
import { parseStoreList, type StoreSpec } from "./store-spec.js";
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

export function wholeNumber(unit: string, min: number, max: number, range?: [string, string]) {
  return z.coerce
    .number({ message: `must be a number of ${unit}` })
    .int(`must be a whole number of ${unit}`)
    .min(min, `must be at least ${range?.[0] ?? min}`)
    .max(max, `must be at most ${range?.[1] ?? max}`);
}

const SPOKEN: Record<number, string> = {
  1000: "1000 (one second)",
  600_000: "600000 (ten minutes)",
  1_800_000: "1800000 (thirty minutes)",
};

export const milliseconds = (min = 1000, max = 600_000) =>
  wholeNumber("milliseconds", min, max, [SPOKEN[min] ?? String(min), SPOKEN[max] ?? String(max)]);

export const port = z.coerce
  .number({ message: "must be a port number" })
  .int("must be a whole number")
  .min(0, "must be 0-65535")
  .max(65535, "must be 0-65535");

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

export const timeZone = z
  .string()
  .trim()
  .refine((zone) => {
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
export const deadline = text.transform((value, ctx) => {
  if (value === undefined || value.toLowerCase() === "off") return undefined;
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) {
    ctx.addIssue({ code: "custom", message: "must be HH:MM (IST, 24-hour clock) or off" });
    return z.NEVER;
  }
  return { hour: Number(m[1]), minute: Number(m[2]) };
});

/** Names from a list, comma- or space-separated; `none` is the empty list. */
export function nameList<const T extends readonly string[]>(names: T) {
  return text.transform((value, ctx): T[number][] | undefined => {
    if (value === undefined) return undefined;
    const given = value
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean);
    if (given.length === 1 && given[0] === "none") return [];
    const unknown = given.filter((n) => !names.includes(n));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `must list channels among ${names.join(", ")} (or be none); unknown: ${unknown.join(", ")}`,
      });
      return z.NEVER;
    }
    return [...new Set(given)] as T[number][];
  });
}

export const addressList = text.transform((value, ctx) => {
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

export const address = text.refine(
  (v) => v === undefined || ADDRESS.test(v),
  "must be an e-mail address, e.g. kite-token <you@example.com>",
);

export const storeList = z
  .string()
  .optional()
  .transform((value, ctx): StoreSpec[] | undefined => {
    if (value === undefined || value.trim() === "") return undefined;
    try {
      return parseStoreList(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });
