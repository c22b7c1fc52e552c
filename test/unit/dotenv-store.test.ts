import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { parse } from "dotenv";
import { expect } from "expect";
import { DotenvTokenSink, updateDotenv } from "../../src/stores/dotenv.js";
import { tokenRecordFrom } from "../../src/stores/record.js";
import { parseKiteIstTime } from "../../src/time.js";
import { tempDir } from "../helpers/setup.js";

const record = tokenRecordFrom(
  {
    accessToken: "newtoken0123456789abcdef",
    publicToken: "pub",
    userId: "AB1234",
    userName: "A Trader",
    apiKey: "key",
    loginTime: parseKiteIstTime("2026-11-24 08:30:05")!,
  },
  new Date("2026-11-24T03:00:06Z"),
);

const ENV = [
  "# My bot's settings",
  "",
  "BROKER=zerodha",
  "export KITE_ACCESS_TOKEN=oldtoken",
  "  # indented comment with KITE_USER_ID=XX0000 inside",
  'STRATEGY_NAME="mean reversion"  # trailing comment',
  "",
  "KITE_USER_ID = OLD123",
  "MAX_POSITIONS=3",
  "",
].join("\n");

describe("dotenv store", () => {
  it("changes only the two token lines of a .env with comments, blanks and other variables", async () => {
    const file = path.join(tempDir(), ".env");
    writeFileSync(file, ENV, { mode: 0o644 });
    await new DotenvTokenSink(file).write(record);
    const after = readFileSync(file, "utf8");
    const before = ENV.split("\n");
    const lines = after.split("\n");
    expect(lines).toHaveLength(before.length);
    const changed = lines
      .map((line, i) => (line === before[i] ? undefined : i))
      .filter((i) => i !== undefined);
    expect(changed).toEqual([3, 7]);
    expect(lines[3]).toBe("export KITE_ACCESS_TOKEN=newtoken0123456789abcdef");
    expect(lines[7]).toBe("KITE_USER_ID = AB1234");
    expect(parse(after)).toMatchObject({
      KITE_ACCESS_TOKEN: record.access_token,
      KITE_USER_ID: "AB1234",
      STRATEGY_NAME: "mean reversion",
      BROKER: "zerodha",
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("appends the variables a .env does not have yet, keeping CRLF line ends", () => {
    expect(updateDotenv("A=1\r\nB=2\r\n", { KITE_ACCESS_TOKEN: "t", KITE_USER_ID: "U" })).toBe(
      "A=1\r\nB=2\r\nKITE_ACCESS_TOKEN=t\r\nKITE_USER_ID=U\r\n",
    );
    expect(updateDotenv("A=1", { KITE_USER_ID: "U" })).toBe("A=1\nKITE_USER_ID=U");
    expect(updateDotenv("", { KITE_USER_ID: "U" })).toBe("KITE_USER_ID=U\n");
  });

  it("quotes a value that a .env parser would otherwise cut", () => {
    const text = updateDotenv("KITE_ACCESS_TOKEN=x\n", { KITE_ACCESS_TOKEN: "a b#c" });
    expect(parse(text)["KITE_ACCESS_TOKEN"]).toBe("a b#c");
  });

  it("refuses to create a .env that does not exist, saying so", async () => {
    const file = path.join(tempDir(), ".env");
    await expect(new DotenvTokenSink(file).write(record)).rejects.toMatchObject({
      code: "STORE_FAILED",
      message: expect.stringContaining("does not exist"),
    });
  });
});
