/**
 * Time in India Standard Time, computed without relying on the machine's time zone.
 * IST is UTC+05:30 all year (no daylight saving), so plain offset arithmetic is exact.
 */

export const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000;
const IST_SUFFIX = "+05:30";

/** The hour (IST) at which every Kite access token dies. */
export const KITE_EXPIRY_HOUR_IST = 6;

export interface IstParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The IST wall-clock fields of an instant. */
export function istParts(instant: Date): IstParts {
  const shifted = new Date(instant.getTime() + IST_OFFSET_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
}

/** The instant of an IST wall-clock time. */
export function fromIstParts(parts: IstParts): Date {
  const utc = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return new Date(utc - IST_OFFSET_MS);
}

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

/** ISO 8601 with the IST offset, e.g. `2026-11-24T06:00:00+05:30`. */
export function formatIst(instant: Date): string {
  const p = istParts(instant);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${IST_SUFFIX}`;
}

/** The same to the millisecond, `2026-11-24T06:00:00.125+05:30`: for logs and durations. */
export function formatIstMs(instant: Date): string {
  const ms = String(((instant.getTime() % 1000) + 1000) % 1000).padStart(3, "0");
  return formatIst(instant).replace(IST_SUFFIX, `.${ms}${IST_SUFFIX}`);
}

/** `2026-11-24 06:00 IST`, for people. */
export function formatIstShort(instant: Date): string {
  const p = istParts(instant);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)} IST`;
}

const KITE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** Parses Kite's `yyyy-mm-dd hh:mm:ss`, which is IST with no zone. */
export function parseKiteIstTime(value: string): Date | undefined {
  const m = KITE_TIME.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const instant = fromIstParts({ year, month, day, hour, minute, second });
  // Reject impossible dates such as 2026-02-30 instead of rolling them over.
  const back = istParts(instant);
  if (back.month !== month || back.day !== day || back.hour !== hour) return undefined;
  return instant;
}

/**
 * The kiteconnect client turns `login_time` into `new Date(string)`, which reads the
 * string in the process's local zone. Its local wall-clock fields are still the IST
 * ones Kite sent, so they are read back and placed in IST.
 */
export function kiteLoginTimeToInstant(value: unknown): Date | undefined {
  if (typeof value === "string") return parseKiteIstTime(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return fromIstParts({
      year: value.getFullYear(),
      month: value.getMonth() + 1,
      day: value.getDate(),
      hour: value.getHours(),
      minute: value.getMinutes(),
      second: value.getSeconds(),
    });
  }
  return undefined;
}

/** The first 06:00 IST strictly after `instant`: when a token issued then expires. */
export function nextKiteExpiry(instant: Date): Date {
  const p = istParts(instant);
  const sameDay = fromIstParts({ ...p, hour: KITE_EXPIRY_HOUR_IST, minute: 0, second: 0 });
  if (sameDay.getTime() > instant.getTime()) return sameDay;
  return new Date(sameDay.getTime() + 24 * 60 * 60 * 1000);
}

/** `3h 12m`, `45s`: a duration for people. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
