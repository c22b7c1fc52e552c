import { randomInt } from "node:crypto";

/** IST is UTC+05:30 all year (no daylight saving), so offset arithmetic is exact. */
const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const EXPIRY_HOUR_IST = 6;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** Kite's `yyyy-mm-dd hh:mm:ss`, IST wall-clock time with no zone. */
export function formatKiteIstTime(ms: number): string {
  const d = new Date(ms + IST_OFFSET_MS);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** The first 06:00 IST strictly after `ms`: when an access token issued at `ms` dies. */
export function nextAccessTokenExpiry(ms: number): number {
  const shifted = ms + IST_OFFSET_MS;
  let expiry = Math.floor(shifted / DAY_MS) * DAY_MS + EXPIRY_HOUR_IST * 60 * 60 * 1000;
  if (shifted >= expiry) expiry += DAY_MS;
  return expiry - IST_OFFSET_MS;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random string of letters and digits from a cryptographic source. */
export function randomAlnum(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}
