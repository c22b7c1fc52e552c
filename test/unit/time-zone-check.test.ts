import { describe, it } from "node:test";
import { expect } from "expect";
import { loadConfig } from "../../src/config/load.js";
import { tempDir } from "../helpers/setup.js";

/**
 * SCHEDULE_TZ is checked by asking Intl for the zone, which loads ICU's zone data (about
 * 30 ms of a short command's start) the first time: the default zone is taken as valid
 * without asking.
 */
describe("SCHEDULE_TZ's check", () => {
  const withIntlCounted = <T>(run: () => T): { value: T; asked: string[] } => {
    const real = Intl.DateTimeFormat;
    const asked: string[] = [];
    const counting = function (locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
      if (options?.timeZone) asked.push(options.timeZone);
      return new real(locales, options);
    } as unknown as typeof Intl.DateTimeFormat;
    Intl.DateTimeFormat = counting;
    try {
      return { value: run(), asked };
    } finally {
      Intl.DateTimeFormat = real;
    }
  };
  const load = (env: Record<string, string>) => () => loadConfig({ env, cwd: tempDir() });

  it("takes the default zone (and UTC) without asking Intl", () => {
    for (const zone of [undefined, "Asia/Kolkata", "UTC"]) {
      const { value, asked } = withIntlCounted(load(zone ? { SCHEDULE_TZ: zone } : {}));
      expect(value.worker.scheduleTz).toBe(zone ?? "Asia/Kolkata");
      expect(asked).toEqual([]);
    }
  });

  it("asks Intl about any other zone, and refuses one it does not know", () => {
    expect(withIntlCounted(load({ SCHEDULE_TZ: "Europe/London" })).asked).toEqual([
      "Europe/London",
    ]);
    expect(() => withIntlCounted(load({ SCHEDULE_TZ: "Mars/Olympus" }))).toThrow(
      /SCHEDULE_TZ.*must be an IANA time zone/s,
    );
  });
});
