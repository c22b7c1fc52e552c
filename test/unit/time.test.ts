import { afterEach, describe, it } from "node:test";
import { expect } from "expect";
import { Writable } from "node:stream";
import { createLogger } from "../../src/core/log.js";
import { SecretRedactor } from "../../src/core/redact.js";
import {
  formatIst,
  formatIstMs,
  kiteLoginTimeToInstant,
  nextKiteExpiry,
  parseKiteIstTime,
} from "../../src/core/time.js";

const originalTz = process.env["TZ"];
afterEach(() => {
  if (originalTz === undefined) delete process.env["TZ"];
  else process.env["TZ"] = originalTz;
});

describe("IST time", () => {
  it("reads Kite's login_time as IST", () => {
    const instant = parseKiteIstTime("2026-11-24 08:30:05");
    expect(instant?.toISOString()).toBe("2026-11-24T03:00:05.000Z");
    expect(formatIst(instant!)).toBe("2026-11-24T08:30:05+05:30");
    expect(parseKiteIstTime("2026-02-30 08:00:00")).toBeUndefined();
    expect(parseKiteIstTime("yesterday")).toBeUndefined();
  });

  it("writes log lines' time as ISO 8601 in IST with its offset", () => {
    let written = "";
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.toString();
        callback();
      },
    });
    createLogger({ redactor: new SecretRedactor(), pretty: false, destination }).info("hello");
    const line = JSON.parse(written) as { time: string; msg: string };
    expect(line.msg).toBe("hello");
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30$/);
    expect(Math.abs(Date.parse(line.time) - Date.now())).toBeLessThan(60_000);
    expect(formatIstMs(new Date("2026-12-02T03:00:05.007Z"))).toBe("2026-12-02T08:30:05.007+05:30");
  });

  it("expires at the next 06:00 IST after login", () => {
    const at = (s: string) => formatIst(nextKiteExpiry(parseKiteIstTime(s)!));
    expect(at("2026-11-24 08:30:00")).toBe("2026-11-25T06:00:00+05:30");
    expect(at("2026-11-24 05:59:59")).toBe("2026-11-24T06:00:00+05:30");
    expect(at("2026-11-24 06:00:00")).toBe("2026-11-25T06:00:00+05:30");
    expect(at("2026-11-24 23:59:59")).toBe("2026-11-25T06:00:00+05:30");
    expect(at("2026-12-31 21:00:00")).toBe("2027-01-01T06:00:00+05:30");
  });

  for (const tz of ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"]) {
    it(`recovers login_time from kiteconnect's local-time Date on a machine in ${tz}`, () => {
      process.env["TZ"] = tz;
      // This is what kiteconnect does to the string: new Date(string), read in local time.
      const parsedByClient = new Date("2026-11-24 08:30:05");
      if (tz === "UTC") {
        // The trap: read naively, the instant is 5.5 hours late.
        expect(parsedByClient.toISOString()).toBe("2026-11-24T08:30:05.000Z");
      }
      const instant = kiteLoginTimeToInstant(parsedByClient);
      expect(formatIst(instant!)).toBe("2026-11-24T08:30:05+05:30");
      expect(formatIst(nextKiteExpiry(instant!))).toBe("2026-11-25T06:00:00+05:30");
    });
  }

  it("formats expiry in IST whatever the machine's zone", () => {
    process.env["TZ"] = "UTC";
    expect(formatIst(new Date("2026-11-25T00:30:00Z"))).toBe("2026-11-25T06:00:00+05:30");
  });
});
